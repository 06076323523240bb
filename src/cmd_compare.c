/* cmd_compare.c - `ffvae compare`: command-line options for compare_run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "compare.h"
#include "train.h"
#include "util.h"

const char cmd_compare_usage[] =
    "usage: ffvae compare M1.ini M2.ini ... -d DATA.h5 -o OUT_DIR [options]\n"
    "\n"
    "Trains every model for the same budget on the same data order, for K seeds\n"
    "(seed k for run k), evaluates every run on the test split as 'ffvae eval' does,\n"
    "and writes OUT_DIR/report.md (table, verdict, figures), metrics.csv, and figures\n"
    "(recon.png, samples-M.png, interp-M.png, spectra.png, curves.png) with the data\n"
    "and gnuplot scripts behind them. Runs live in OUT_DIR/runs/M/seedK; run again on\n"
    "the same OUT_DIR, it skips finished runs and resumes interrupted ones. SIGINT or\n"
    "SIGTERM saves the current run's checkpoint and exits with status 130.\n"
    "\n"
    "  -d, --data FILE       dataset (.h5)\n"
    "  -o, --out DIR         report directory (created if missing)\n"
    "      --steps N         steps per run\n"
    "      --epochs E        epochs per run (default 1)\n"
    "      --seeds K         seeds per model (default 1; 3 gives error bars)\n"
    "      --threads T       threads for GEMMs and element-wise passes (default: all cores)\n"
    "      --eval-images N   test images evaluated per run (default: all)\n";

int cmd_compare(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'},    {"out", required_argument, 0, 'o'},
        {"steps", required_argument, 0, 's'},   {"epochs", required_argument, 0, 'e'},
        {"seeds", required_argument, 0, 'k'},   {"threads", required_argument, 0, 't'},
        {"eval-images", required_argument, 0, 'n'}, {0, 0, 0, 0}};
    CompareOptions o;
    memset(&o, 0, sizeof o);
    o.seeds = 1;
    o.progress = isatty(STDERR_FILENO);
    long v;
    float f;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o.data_path = optarg; break;
        case 'o': o.out_dir = optarg; break;
        case 'e':
            if (parse_float(optarg, &f) || f <= 0) {
                ffvae_error("compare: --epochs: expected a positive number, got '%s'", optarg);
                return 2;
            }
            o.epochs = f;
            break;
        case 's': case 'k': case 't': case 'n': {
            long hi = c == 'k' ? 100 : c == 't' ? 1024 : 100000000;
            if (parse_long(optarg, &v) || v < 1 || v > hi) {
                ffvae_error("compare: --%s: expected 1..%ld, got '%s'",
                            c == 's' ? "steps" : c == 'k' ? "seeds" : c == 't' ? "threads"
                                                                          : "eval-images",
                            hi, optarg);
                return 2;
            }
            if (c == 's') o.steps = v;
            else if (c == 'k') o.seeds = (int)v;
            else if (c == 't') o.threads = (int)v;
            else o.eval_images = (int)v;
            break;
        }
        default:
            fputs(cmd_compare_usage, stderr);
            return 2;
        }
    }
    o.models = (const char **)(argv + optind);
    o.n_models = argc - optind;
    if (o.n_models < 1 || !o.data_path || !o.out_dir) {
        ffvae_error("compare: model files, -d DATA and -o OUT_DIR are required (see 'ffvae help "
                    "compare')");
        return 2;
    }
    if (o.steps && o.epochs) {
        ffvae_error("compare: give --steps or --epochs, not both");
        return 2;
    }
    if (!o.steps && !o.epochs)
        o.epochs = 1;
    return train_exit_status(compare_run(&o)); /* compare_run reports as train_run does */
}
