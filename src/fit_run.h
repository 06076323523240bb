/* fit_run.h - `ffvae fit` as a whole: load (or make) the image, run every
 * model at every sweep value, and write the outputs:
 *   OUT/target.png            the image fitted (after crop and resize)
 *   OUT/results.csv           one row per run (columns in cmd_fit.c's usage)
 *   OUT/results.md            the same as a Markdown table
 *   OUT/RUN/fitted.png        the fitted image; fitted-2x.png rendered at twice the size
 *   OUT/RUN/error.png         |fitted − target| averaged over channels, ×4 (white ≥ 0.25)
 *   OUT/RUN/curve.csv         step,train_psnr,test_psnr,seconds
 *   OUT/RUN/config.ini        the model as fitted (geometry from the image)
 * RUN is the model's name, followed by -KEY-VALUE with a sweep.
 * Everything that can be checked before fitting (the image, every model at
 * every sweep value, the output directory) is, so bad input leaves no output. */
#ifndef FFVAE_FIT_RUN_H
#define FFVAE_FIT_RUN_H

#include <stdint.h>

#include "progress.h"

#define FIT_MAX_MODELS 32

typedef struct {
    const char *image;              /* NULL with noise */
    int noise;                      /* > 0: fit an RGB white-noise image of this side */
    int size;                       /* 0: the crop's own side */
    const char *models[FIT_MAX_MODELS];
    int n_models;
    const char *out_dir;
    const char *sweep;              /* "KEY=V1,V2,..." or NULL */
    long steps;
    uint64_t seed;
    int holdout;
    int threads;                    /* 0: OpenBLAS's default */
    const Reporter *report;         /* NULL: quiet */
    const char *const *sets;        /* `--set KEY=V` applied to every model ([n_sets]) */
    int n_sets;
} FitOptions;

/* Returns 0, or -1 after reporting. */
int fit_run(const FitOptions *o);

#endif
