/* cmd_fit.c - `ffvae fit`: command-line options for fit_run. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "console.h"
#include "distributed.h"
#include "options.h"
#include "sweep.h"
#include "fit_run.h"
#include "util.h"

/* The published protocol's budget (Tancik et al. 2020): 2000 Adam steps. */
#define FIT_DEFAULT_STEPS 2000

const char cmd_fit_usage[] =
    "usage: ffvae fit IMAGE -m MODEL.ini [-m MODEL2.ini ...] -o OUT_DIR [options]\n"
    "       ffvae fit --noise S -m MODEL.ini ... -o OUT_DIR [options]\n"
    "\n"
    "Fits one image (PNG, JPEG, BMP or TGA; grey stays grey, anything else is RGB)\n"
    "with each model: a coordinate network f(x, y) with [latent] size = 0 and a\n"
    "coord decoder. The image is centre-cropped to a square; the model's [data]\n"
    "height/width/channels are replaced by the image's. Loss: mean squared error\n"
    "of sigmoid(logits), Adam with the model's [training] settings.\n"
    "\n"
    "  -m, --model M        model definition (repeatable, up to 32): a .ini file, or a\n"
    "                       NAME found as ./models/NAME.ini, then among the installed models\n"
    "  -o, --out DIR        output directory (created; refused if it holds results)\n"
    "      --size S         resize the square crop to SxS (1..4096)\n"
    "      --noise S        fit an SxS RGB white-noise image instead of IMAGE\n"
    "      --holdout        train on pixels with even row AND even column, test on the rest\n"
    "      --steps N        Adam steps (default 2000)\n"
    "      --seed S         random seed: frequencies, weights, noise (default 1)\n"
    "      --sweep KEY=V1,V2,...  fit each model at each value; KEY is section.key or\n"
    "                       a bare key, searched in [encoding], [network], [training], ...\n"
    "                       (so sigma is [encoding] sigma)\n"
    "      --threads T      threads for GEMMs and element-wise passes (default: all cores)\n"
    "      --set KEY=V      change one key of every model, e.g. --set precision=bf16\n"
    "\n"
    "OUT_DIR receives target.png, results.csv (run,model,encoding,sweep,value,features,\n"
    "parameters,size,channels,steps,holdout,train_psnr,test_psnr,seconds,freq_power),\n"
    "results.md, and per run RUN/fitted.png, fitted-2x.png, error.png (4x |error|),\n"
    "curve.csv (step,train_psnr,test_psnr,seconds every [training] log_every steps)\n"
    "and config.ini. seconds counts the optimisation steps only; freq_power is the\n"
    "sum of |b_f|^2 over the encoding's frequencies.\n"
    "\n"
    "Under mpirun (a --with-mpi build) each fit is data-parallel over its training\n"
    "pixels, in chunks of 256 (at most one rank per chunk); [training] reduce = exact\n"
    "(the default) gives the same parameters at any number of ranks, and the run's\n"
    "line then ends with a hash of them. Rank 0 alone writes OUT_DIR.\n"
    "      --mpi-timeout S  under mpirun: end the job when a rank makes no progress\n"
    "                       in a step for S seconds (default 600; 0: never)\n";

int cmd_fit(int argc, char **argv)
{
    FitOptions o;
    memset(&o, 0, sizeof o);
    o.steps = FIT_DEFAULT_STEPS;
    o.seed = 1;
    Reporter console = console_reporter();
    o.report = dist_rank() == 0 ? &console : NULL; /* an MPI job: rank 0 speaks */
    double mpi_timeout = 600;
    OptionList models = {o.models, FIT_MAX_MODELS, 0};
    const char *set_args[CONFIG_MAX_SETS];
    OptionList sets = {set_args, CONFIG_MAX_SETS, 0};
    const Option opts[] = {
        OPT_LIST("model", 'm', &models),
        OPT_TEXT("out", 'o', &o.out_dir),
        OPT_INT("size", 0, &o.size, 1, MAX_IMAGE_SIZE),
        OPT_INT("noise", 0, &o.noise, 1, MAX_IMAGE_SIZE),
        OPT_FLAG("holdout", 0, &o.holdout),
        OPT_LONG("steps", &o.steps, 1, MAX_STEPS),
        OPT_SEED("seed", &o.seed),
        OPT_TEXT("sweep", 0, &o.sweep),
        OPT_INT("threads", 0, &o.threads, 1, MAX_THREADS),
        OPT_LIST("set", 0, &sets),
        OPT_NUMBER("mpi-timeout", &mpi_timeout, 0, 1e9, 0),
        OPT_END};
    int argi = options_parse("fit", cmd_fit_usage, opts, argc, argv);
    if (argi < 0)
        return options_exit_status(argi);
    o.n_models = models.n;
    if (argi < argc)
        o.image = argv[argi++];
    if (argi < argc)
        return usage_error("fit", "unexpected argument '%s'", argv[argi]);
    if (!o.image == !o.noise)
        return usage_error("fit", "give one IMAGE or --noise S");
    if (o.noise && o.size)
        return usage_error("fit", "--size applies to an IMAGE; --noise S sets the size itself");
    if (o.n_models == 0 || !o.out_dir)
        return usage_error("fit", "-m MODEL and -o OUT_DIR are required");
    dist_watchdog(mpi_timeout);
    o.sets = set_args;
    o.n_sets = sets.n;
    return fit_run(&o) == 0 ? 0 : 1;
}
