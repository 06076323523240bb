/* compare.h - `ffvae compare`: train several models for the same budget on the
 * same data order, for K seeds each, evaluate every run as `ffvae eval` does,
 * and write a report that says which decoder is sharpest and by how much.
 *
 * Before any run it loads the feature classifier (-c, or classifiers/NAME.h5,
 * or OUT/classifier.h5, trained there when missing) so that a bad one fails
 * before hours of work.
 *
 * OUT/manifest.txt      what this comparison is (data, budget, seeds, models);
 *                       a rerun must match it, and then resumes
 * OUT/runs/NAME/seedK/  each run (config.ini, log.csv, checkpoint.h5); with
 *                       --sweep KEY=V1,..., OUT/runs/NAME/KEY=V/seedK (the value's
 *                       directory as sweep_value_dir names it)
 * OUT/metrics.csv       one row per run with every number
 * OUT/report.md         table (mean ± sd over seeds), verdict, figures
 * OUT/ figures          recon.png, samples-NAME.png, interp-NAME.png,
 *                       spectra.png (spectra.csv, spectra.gp), curves.png
 *                       (curves.dat, curves.gp), drawn with gnuplot; with a sweep
 *                       also rate.png (rate.dat, rate.gp) */
#ifndef FFVAE_COMPARE_H
#define FFVAE_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "progress.h"
#include "sweep.h"
/* The summaries, the verdict and the report's files. */
#include "compare_report.h"

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
    const char *classifier; /* feature classifier for FID/KID/PR; NULL: the dataset's
                               classifiers/NAME.h5 when it exists, else OUT/classifier.h5,
                               trained there first when missing */
    const Reporter *report;  /* NULL: quiet; each run's training reports through it too */
    const StopControl *stop; /* armed around each run's steps; NULL: never stops early */
    const char *const *sets; /* `--set KEY=V` applied to every model ([n_sets]) */
    int n_sets;
    const char *sweep;       /* `--sweep KEY=V1,V2,...`: every model at each value; NULL: none */
} CompareOptions;

/* Returns 0 when the report is written, TRAIN_INTERRUPTED when o->stop stopped a
 * run (its checkpoint saved, so the same call resumes), or -1 after an error. */
int compare_run(const CompareOptions *o);

/* The manifest's text: the dataset, the budget, the seeds, the sweep (NULL:
 * none, and then no sweep line, so a comparison made before --sweep existed
 * resumes) and each model's resolved definition as given (--set applied,
 * before the sweep). A malloc'd string, or NULL after reporting. */
char *compare_manifest_text(const char *dataset, int n_train, long steps, double epochs,
                            int seeds, const Sweep *sweep, const ModelConfig *cfg, int n_models);

#endif
