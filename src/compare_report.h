/* compare_report.h - the report of `ffvae compare`, from the numbers its
 * runs measured: a summary per model (mean ± sd over seeds), the verdict, and
 * the files that show them (see compare.h for where each goes):
 *
 * metrics.csv                          every run's numbers
 * spectra.csv, spectra.gp, spectra.png the data's and each model's power spectra
 * curves.dat, curves.gp, curves.png    each model's training curve (first seed)
 * rate.dat, rate.gp, rate.png          with a sweep: each model's distortion against
 *                                      its rate (KL), one point per sweep value
 * report.md                            the verdict, the table and the figures
 *
 * Nothing here trains, evaluates or reads a run: compare.c gathers the
 * numbers and the curves, and this file only formats and writes them. */
#ifndef FFVAE_COMPARE_REPORT_H
#define FFVAE_COMPARE_REPORT_H

#include <stddef.h>

#include "checkpoint.h"
#include "dataset.h"
#include "sweep.h"

/* The columns of the report's table, in order. */
enum {
    METRIC_NELBO,      /* lower is better */
    METRIC_PSNR,       /* higher */
    METRIC_SSIM,       /* higher */
    METRIC_HF_RECON,   /* closest to 1 (as sharp as the data) */
    METRIC_HF_SAMPLES, /* closest to 1 */
    METRIC_SECONDS,    /* lower */
    METRIC_IMAGES_S,   /* higher */
    METRIC_HF_ERROR,   /* lower: error power above half Nyquist / data's */
    METRIC_LAPLACIAN,  /* closest to 1: Laplacian variance, reconstructions / data */
    METRIC_FID,        /* lower: prior samples against the test images */
    METRIC_KID,        /* lower */
    METRIC_PRECISION,  /* higher */
    METRIC_RECALL,     /* higher */
    METRIC_HF_RECON_SAMPLED, /* closest to 1: reconstructions from z = μ + σ ε */
    METRIC_PSNR_SAMPLED,     /* higher: the same reconstructions' PSNR */
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

/* One run's numbers: a row of metrics.csv. */
typedef struct {
    double metric[N_METRICS];
    long steps;
    int not_a_bound; /* β = 0 or free bits: the neg-ELBO is no bound on the objective (eval.h) */
    double kl; /* KL(q(z|x) || p(z)) on the test images, nats per image (as eval reports it);
                  shown only with a sweep: the rate figure's x */
} RunResult;

/* Mean and sample standard deviation of x[n]. */
Stat stat_of(const double *x, int n);

/* The summary of one model from its runs[seeds] (at most 256 seeds count). */
ModelSummary summarise_runs(const char *name, const RunResult *runs, int seeds);

/* Index of the best model in column `metric` (ties: the first). */
int best_in_column(const ModelSummary *s, int n, int metric);

/* How far a model's high-frequency ratio is from the data's: |ln r|, 0 when
 * as sharp as the data; larger is blurrier (or, above 1, noisier). */
double sharpness_gap(double hf_ratio);

/* Writes a short plain-language verdict from the summaries.
 * Sharpness: the candidate is the model whose reconstructions' HF ratio is
 * closest to 1 (|ln r|), set against the runner-up. It is called clearly
 * sharper only when both hold beyond the spread over seeds: its |ln r| is
 * smaller by more than the two models' spread (sd/r each, summed), AND its
 * HF error ratio is no worse (not larger than the runner-up's by more than
 * the sum of the two sds). More high-frequency power with more error there is
 * wrong detail (noise, ringing), not sharpness, and the verdict says so.
 * Sample quality: the model with the lowest FID of prior samples, against
 * the runner-up by FID, with the spread (sum of sds), and whether KID ranks
 * the two the same way. Returns the candidate's index; *clear is 1 when it
 * is clearly sharper (always 0 with one seed or one model). */
int compare_verdict(char *buf, size_t size, const ModelSummary *s, int n, int *clear);

/* Everything the report shows, gathered by compare_run. */
typedef struct {
    const char *out_dir;       /* where every file goes */
    const char *data_path;     /* the dataset, as given */
    const Dataset *ds;         /* its name, split sizes and image shape */
    long steps;                /* the budget per run: steps when > 0, else epochs */
    double epochs;
    int seeds;                 /* runs per model */
    int eval_images;           /* test images evaluated per run; 0 = the whole split */
    int n_models;
    const Sweep *sweep;        /* NULL: no sweep. Else every model ran at each of its
                                  sweep->n values: a "variant" is one (value v, model i),
                                  numbered q = v · n_models + i; without a sweep the
                                  variants are the models. The arrays below are per variant. */
    const ModelSummary *sum;   /* [variants]: model names, mean ± sd over seeds */
    const RunResult *runs;     /* [variants · seeds], variant-major */
    const double *radial;      /* [variants + 1, n_bins]: the data's spectrum, then each
                                  variant's reconstructions' (mean over seeds) */
    const double *radial_error; /* [variants, n_bins]: each variant's relative error power
                                   per band, error / data (mean over seeds); NULL: none */
    int n_bins;
    const TrainState *curves;  /* [variants]: the log of each variant's first seed */
    int recon_images;          /* images a row of recon.png shows (for its caption) */
} CompareReport;

/* Writes every file above into r->out_dir, each atomically, and copies the
 * verdict that report.md opens with into verdict[size], for the caller to
 * show (with a sweep: one verdict per value, each on its own line headed
 * "KEY=V:"). Returns 0, or -1 after reporting what failed. */
int compare_report_write(const CompareReport *r, char *verdict, size_t size);

#endif
