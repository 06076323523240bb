/* cmd_train.c - `ffvae train`: command-line options for train_run. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "console.h"
#include "distributed.h"
#include "options.h"
#include "stop_signals.h"
#include "sweep.h"
#include "train.h"
#include "util.h"

const char cmd_train_usage[] =
    "usage: ffvae train -m MODEL.ini -d DATA.h5 -o RUN_DIR [options]\n"
    "\n"
    "Trains the model on the dataset's train split. RUN_DIR receives config.ini,\n"
    "log.csv (step,epoch,loss,reconstruction,kl,seconds,focal_frequency; loss is the\n"
    "negative ELBO per image in nats, focal_frequency the [loss] term outside it)\n"
    "and checkpoint.h5.\n"
    "\n"
    "  -m, --model M       model definition: a .ini file, or a NAME found as\n"
    "                      ./models/NAME.ini, then among the installed models;\n"
    "                      optional with --resume\n"
    "  -d, --data FILE     dataset (.h5 from 'ffvae import')\n"
    "  -o, --out DIR       run directory (created if missing)\n"
    "      --steps N       train until step N\n"
    "      --epochs E      train E epochs (may be fractional); default 1\n"
    "      --seed S        random seed (default 1)\n"
    "      --threads T     threads for GEMMs and element-wise passes (default: all cores)\n"
    "      --resume        continue the run in RUN_DIR from its checkpoint\n"
    "      --mpi-timeout S under mpirun: end the job when a rank makes no progress\n"
    "                      for S seconds (default 600; 0: never)\n"
    "      --set KEY=V     change one key of the model (section.key or a bare key),\n"
    "                      e.g. --set precision=bf16; a resumed run refuses a change\n"
    "\n"
    "SIGINT/SIGTERM save a checkpoint and exit with status 130.\n"
    "Under mpirun (a --with-mpi build) the run is data-parallel: N ranks share\n"
    "each batch (N must divide it); rank 0 logs and writes the run directory.\n";

int cmd_train(int argc, char **argv)
{
    TrainOptions o;
    memset(&o, 0, sizeof o);
    const char *set_args[CONFIG_MAX_SETS];
    OptionList sets = {set_args, CONFIG_MAX_SETS, 0};
    o.seed = 1;
    Reporter console = console_reporter();
    o.report = dist_rank() == 0 ? &console : NULL; /* an MPI job: rank 0 speaks */
    double mpi_timeout = 600;
    o.stop = stop_on_signals();
    const Option opts[] = {
        OPT_TEXT("model", 'm', &o.model_path),
        OPT_TEXT("data", 'd', &o.data_path),
        OPT_TEXT("out", 'o', &o.run_dir),
        OPT_LONG("steps", &o.steps, 1, MAX_STEPS),
        OPT_NUMBER("epochs", &o.epochs, 0, INFINITY, OPEN_LO),
        OPT_SEED("seed", &o.seed),
        OPT_INT("threads", 0, &o.threads, 1, MAX_THREADS),
        OPT_FLAG("resume", 0, &o.resume),
        OPT_NUMBER("mpi-timeout", &mpi_timeout, 0, 1e9, 0),
        OPT_LIST("set", 0, &sets),
        OPT_END};
    int argi = options_parse("train", cmd_train_usage, opts, argc, argv);
    if (argi < 0)
        return options_exit_status(argi);
    if (argi < argc)
        return usage_error("train", "unexpected argument '%s'", argv[argi]);
    if (!o.data_path || !o.run_dir || (!o.model_path && !o.resume))
        return usage_error("train", "-m MODEL, -d DATA and -o RUN_DIR are required");
    if (o.steps && o.epochs)
        return usage_error("train", "give --steps or --epochs, not both");
    dist_watchdog(mpi_timeout);
    o.sets = set_args;
    o.n_sets = sets.n;
    return train_exit_status(train_run(&o));
}
