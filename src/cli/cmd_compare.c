/* cmd_compare.c - `ffvae compare`: command-line options for compare_run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "console.h"
#include "distributed.h"
#include "options.h"
#include "stop_signals.h"
#include "sweep.h"
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
    "      --eval-images N   test images evaluated per run (default: all)\n"
    "  -c, --classifier FILE feature classifier for FID, KID, precision/recall\n"
    "                        (default: classifiers/NAME.h5, NAME the dataset's name,\n"
    "                        when it exists, else OUT_DIR/classifier.h5, trained there\n"
    "                        before the runs when missing)\n"
    "      --set KEY=V       change one key of every model (section.key or a bare key),\n"
    "                        e.g. --set precision=bf16 (part of the comparison's manifest)\n"
    "      --sweep KEY=V1,V2,...\n"
    "                        train every model at each value of one key (KEY as for\n"
    "                        --set: sigma is [encoding] sigma); see below\n"
    "      --mpi-timeout S   under mpirun: end the job when a rank makes no progress in\n"
    "                        a training step for S seconds (default 600; 0: never)\n"
    "\n"
    "Under mpirun (a --with-mpi build) each run trains data-parallel as 'ffvae train'\n"
    "does (N ranks share each batch; N must divide every model's batch); rank 0 alone\n"
    "evaluates and writes the report while the others wait.\n"
    "\n"
    "With --sweep, run k of model M at value V lives in OUT_DIR/runs/M/KEY=V/seedK\n"
    "(KEY without its section; characters outside A-Za-z0-9._+=- become _). A key\n"
    "some model lacks (sigma without a gaussian encoding, omega0 without sine, [data]\n"
    "keys) or a value a model refuses stops compare before anything is written. The\n"
    "sweep is part of the manifest: a rerun with the same one skips finished runs, one\n"
    "with another is refused. report.md has a verdict and a table per value (models\n"
    "are compared at equal settings); metrics.csv gains sweep,value after model and kl\n"
    "last; rate.png (rate.dat, rate.gp) draws, per model, one curve through its values:\n"
    "x the KL in nats per test image (the rate), y the HF ratio, the HF error ratio,\n"
    "PSNR and, when measured, FID, one panel each, sd over seeds as error bars. Read it\n"
    "at equal KL: a curve above another there does more with the same information;\n"
    "curves on one line differ only in the rate they reach.\n";

int cmd_compare(int argc, char **argv)
{
    CompareOptions o;
    memset(&o, 0, sizeof o);
    const char *set_args[CONFIG_MAX_SETS];
    OptionList sets = {set_args, CONFIG_MAX_SETS, 0};
    o.seeds = 1;
    Reporter console = console_reporter();
    o.report = dist_rank() == 0 ? &console : NULL; /* an MPI job: rank 0 speaks */
    double mpi_timeout = 600;
    o.stop = stop_on_signals();
    const Option opts[] = {
        OPT_TEXT("data", 'd', &o.data_path),
        OPT_TEXT("out", 'o', &o.out_dir),
        OPT_LONG("steps", &o.steps, 1, MAX_STEPS),
        OPT_NUMBER("epochs", &o.epochs, 0, INFINITY, OPEN_LO),
        OPT_INT("seeds", 0, &o.seeds, 1, 100),
        OPT_INT("threads", 0, &o.threads, 1, MAX_THREADS),
        OPT_INT("eval-images", 0, &o.eval_images, 1, MAX_COUNT),
        OPT_TEXT("classifier", 'c', &o.classifier),
        OPT_LIST("set", 0, &sets),
        OPT_TEXT("sweep", 0, &o.sweep),
        OPT_NUMBER("mpi-timeout", &mpi_timeout, 0, 1e9, 0),
        OPT_END};
    int argi = options_parse("compare", cmd_compare_usage, opts, argc, argv);
    if (argi < 0)
        return options_exit_status(argi);
    o.models = (const char **)(argv + argi);
    o.n_models = argc - argi;
    if (o.n_models < 1 || !o.data_path || !o.out_dir)
        return usage_error("compare", "model files, -d DATA and -o OUT_DIR are required");
    if (o.steps && o.epochs)
        return usage_error("compare", "give --steps or --epochs, not both");
    if (!o.steps && !o.epochs)
        o.epochs = 1;
    dist_watchdog(mpi_timeout);
    o.sets = set_args;
    o.n_sets = sets.n;
    return train_exit_status(compare_run(&o)); /* compare_run reports as train_run does */
}
