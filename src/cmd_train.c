/* cmd_train.c - `ffvae train`: command-line options for train_run. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "train.h"
#include "util.h"

const char cmd_train_usage[] =
    "usage: ffvae train -m MODEL.ini -d DATA.h5 -o RUN_DIR [options]\n"
    "\n"
    "Trains the model on the dataset's train split. RUN_DIR receives config.ini,\n"
    "log.csv (step,epoch,loss,reconstruction,kl,seconds; loss is the negative ELBO\n"
    "per image in nats) and checkpoint.h5.\n"
    "\n"
    "  -m, --model FILE    model definition (INI); optional with --resume\n"
    "  -d, --data FILE     dataset (.h5 from 'ffvae import')\n"
    "  -o, --out DIR       run directory (created if missing)\n"
    "      --steps N       train until step N\n"
    "      --epochs E      train E epochs (may be fractional); default 1\n"
    "      --seed S        random seed (default 1)\n"
    "      --threads T     threads for GEMMs and element-wise passes (default: all cores)\n"
    "      --resume        continue the run in RUN_DIR from its checkpoint\n"
    "\n"
    "SIGINT/SIGTERM save a checkpoint and exit with status 130.\n";

int cmd_train(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"data", required_argument, 0, 'd'},
        {"out", required_argument, 0, 'o'},   {"steps", required_argument, 0, 's'},
        {"epochs", required_argument, 0, 'e'}, {"seed", required_argument, 0, 'S'},
        {"threads", required_argument, 0, 't'}, {"resume", no_argument, 0, 'r'},
        {0, 0, 0, 0}};
    TrainOptions o;
    memset(&o, 0, sizeof o);
    o.seed = 1;
    o.progress = isatty(STDERR_FILENO);
    long v;
    float f;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:d:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'm': o.model_path = optarg; break;
        case 'd': o.data_path = optarg; break;
        case 'o': o.run_dir = optarg; break;
        case 'r': o.resume = 1; break;
        case 's':
            if (parse_long(optarg, &v) || v < 1) {
                ffvae_error("train: --steps: expected a positive integer, got '%s'", optarg);
                return 2;
            }
            o.steps = v;
            break;
        case 'e':
            if (parse_float(optarg, &f) || f <= 0) {
                ffvae_error("train: --epochs: expected a positive number, got '%s'", optarg);
                return 2;
            }
            o.epochs = f;
            break;
        case 'S':
            if (parse_long(optarg, &v) || v < 0) {
                ffvae_error("train: --seed: expected a non-negative integer, got '%s'", optarg);
                return 2;
            }
            o.seed = (uint64_t)v;
            break;
        case 't':
            if (parse_long(optarg, &v) || v < 1 || v > 1024) {
                ffvae_error("train: --threads: expected 1..1024, got '%s'", optarg);
                return 2;
            }
            o.threads = (int)v;
            break;
        default:
            fputs(cmd_train_usage, stderr);
            return 2;
        }
    }
    if (optind < argc) {
        ffvae_error("train: unexpected argument '%s'", argv[optind]);
        return 2;
    }
    if (!o.data_path || !o.run_dir || (!o.model_path && !o.resume)) {
        ffvae_error("train: -m MODEL, -d DATA and -o RUN_DIR are required (see 'ffvae help train')");
        return 2;
    }
    if (o.steps && o.epochs) {
        ffvae_error("train: give --steps or --epochs, not both");
        return 2;
    }
    return train_exit_status(train_run(&o));
}
