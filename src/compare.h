/* compare.h - `ffvae compare`: train several models for the same budget on the
 * same data order, for K seeds each, evaluate every run as `ffvae eval` does,
 * and write a report that says which decoder is sharpest and by how much.
 *
 * OUT/manifest.txt      what this comparison is (data, budget, seeds, models);
 *                       a rerun must match it, and then resumes
 * OUT/runs/NAME/seedK/  each run (config.ini, log.csv, checkpoint.h5)
 * OUT/metrics.csv       one row per run with every number
 * OUT/report.md         table (mean ± sd over seeds), verdict, figures
 * OUT/ figures          recon.png, samples-NAME.png, interp-NAME.png,
 *                       spectra.png (spectra.csv, spectra.gp), curves.png
 *                       (curves.dat, curves.gp), drawn with gnuplot */
#ifndef FFVAE_COMPARE_H
#define FFVAE_COMPARE_H

#include <stddef.h>
#include <stdint.h>

/* The columns of the report's table, in order. */
enum {
    METRIC_NELBO,      /* lower is better */
    METRIC_PSNR,       /* higher */
    METRIC_SSIM,       /* higher */
    METRIC_HF_RECON,   /* closest to 1 (as sharp as the data) */
    METRIC_HF_SAMPLES, /* closest to 1 */
    METRIC_SECONDS,    /* lower */
    METRIC_IMAGES_S,   /* higher */
    N_METRICS
};

typedef struct {
    double mean, sd; /* sd over seeds (n − 1 in the denominator; 0 for one seed) */
} Stat;

typedef struct {
    char name[64];
    int seeds;
    Stat stat[N_METRICS];
} ModelSummary;

/* Mean and sample standard deviation of x[n]. */
Stat stat_of(const double *x, int n);

/* Index of the best model in column `metric` (ties: the first). */
int best_in_column(const ModelSummary *s, int n, int metric);

/* How far a model's high-frequency ratio is from the data's: |ln r|, 0 when
 * as sharp as the data; larger is blurrier (or, above 1, noisier). */
double sharpness_gap(double hf_ratio);

/* Writes a short plain-language verdict from the summaries: the sharpest
 * decoder by the reconstructions' HF ratio, against the runner-up, and
 * whether the difference exceeds the spread over seeds (the sum of the two
 * sds). Returns the sharpest model's index; *clear is 1 when the difference
 * is larger than the spread (always 0 with one seed or one model). */
int compare_verdict(char *buf, size_t size, const ModelSummary *s, int n, int *clear);

typedef struct {
    const char **models; /* model definition paths */
    int n_models;
    const char *data_path;
    const char *out_dir;
    long steps;          /* > 0: steps per run */
    double epochs;       /* > 0 (when steps is 0): epochs per run; default 1 */
    int seeds;           /* K ≥ 1; run k uses seed k */
    int threads;
    int eval_images;     /* test images evaluated per run; 0 = the whole split */
    int progress;
    const char *const *sets; /* `--set KEY=V` applied to every model ([n_sets]) */
    int n_sets;
} CompareOptions;

/* Returns 0 when the report is written, TRAIN_INTERRUPTED when a signal stopped a
 * run (its checkpoint saved, so the same call resumes), or -1 after an error. */
int compare_run(const CompareOptions *o);

#endif
