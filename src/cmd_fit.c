/* cmd_fit.c - `ffvae fit`: command-line options for fit_run. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
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
    "  -m, --model FILE     model definition (repeatable, up to 32)\n"
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
    "\n"
    "OUT_DIR receives target.png, results.csv (run,model,encoding,sweep,value,features,\n"
    "parameters,size,channels,steps,holdout,train_psnr,test_psnr,seconds,freq_power),\n"
    "results.md, and per run RUN/fitted.png, fitted-2x.png, error.png (4x |error|),\n"
    "curve.csv (step,train_psnr,test_psnr,seconds every [training] log_every steps)\n"
    "and config.ini. seconds counts the optimisation steps only; freq_power is the\n"
    "sum of |b_f|^2 over the encoding's frequencies.\n";

static int positive(const char *opt, const char *arg, long max, long *out)
{
    if (parse_long(arg, out) || *out < 1 || *out > max) {
        ffvae_error("fit: %s: expected an integer in 1..%ld, got '%s'", opt, max, arg);
        return -1;
    }
    return 0;
}

int cmd_fit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},   {"out", required_argument, 0, 'o'},
        {"size", required_argument, 0, 'z'},    {"noise", required_argument, 0, 'n'},
        {"holdout", no_argument, 0, 'h'},       {"steps", required_argument, 0, 's'},
        {"seed", required_argument, 0, 'S'},    {"sweep", required_argument, 0, 'w'},
        {"threads", required_argument, 0, 't'}, {0, 0, 0, 0}};
    FitOptions o;
    memset(&o, 0, sizeof o);
    o.steps = FIT_DEFAULT_STEPS;
    o.seed = 1;
    o.progress = isatty(STDERR_FILENO);
    long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (o.n_models == FIT_MAX_MODELS) {
                ffvae_error("fit: more than %d models", FIT_MAX_MODELS);
                return 2;
            }
            o.models[o.n_models++] = optarg;
            break;
        case 'o': o.out_dir = optarg; break;
        case 'h': o.holdout = 1; break;
        case 'w': o.sweep = optarg; break;
        case 'z':
            if (positive("--size", optarg, 4096, &v))
                return 2;
            o.size = (int)v;
            break;
        case 'n':
            if (positive("--noise", optarg, 4096, &v))
                return 2;
            o.noise = (int)v;
            break;
        case 's':
            if (positive("--steps", optarg, 100000000L, &v))
                return 2;
            o.steps = v;
            break;
        case 't':
            if (positive("--threads", optarg, 1024, &v))
                return 2;
            o.threads = (int)v;
            break;
        case 'S':
            if (parse_long(optarg, &v) || v < 0) {
                ffvae_error("fit: --seed: expected a non-negative integer, got '%s'", optarg);
                return 2;
            }
            o.seed = (uint64_t)v;
            break;
        default:
            fputs(cmd_fit_usage, stderr);
            return 2;
        }
    }
    if (optind < argc)
        o.image = argv[optind++];
    if (optind < argc) {
        ffvae_error("fit: unexpected argument '%s'", argv[optind]);
        return 2;
    }
    if (!o.image == !o.noise) {
        ffvae_error("fit: give one IMAGE or --noise S (see 'ffvae help fit')");
        return 2;
    }
    if (o.noise && o.size) {
        ffvae_error("fit: --size applies to an IMAGE; --noise S sets the size itself");
        return 2;
    }
    if (o.n_models == 0 || !o.out_dir) {
        ffvae_error("fit: -m MODEL and -o OUT_DIR are required (see 'ffvae help fit')");
        return 2;
    }
    return fit_run(&o) == 0 ? 0 : 1;
}
