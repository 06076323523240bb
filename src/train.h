/* train.h - training a model on a dataset into a run directory:
 *   RUN/config.ini     the model as resolved
 *   RUN/log.csv        step,epoch,loss,reconstruction,kl,seconds (loss = negative ELBO per image)
 *   RUN/checkpoint.h5  written atomically every checkpoint_every steps and at the end */
#ifndef FFVAE_TRAIN_H
#define FFVAE_TRAIN_H

#include <stdint.h>

typedef struct {
    const char *model_path; /* may be NULL with resume */
    const char *data_path;
    const char *run_dir;
    long steps;             /* > 0: train to this step */
    double epochs;          /* > 0: train this many epochs (when steps is 0) */
    uint64_t seed;
    int threads;            /* 0: OpenBLAS's default */
    int resume;
    int progress;           /* 1: a live progress line (terminal), 0: plain log lines */
    const char *resume_hint; /* how to continue after SIGINT/SIGTERM; NULL: train's --resume */
    const char *const *sets; /* `--set KEY=V` applied to the model as loaded ([n_sets]) */
    int n_sets;
} TrainOptions;

#include "adam.h"
#include "model.h"

/* The optimiser settings of a model's [training] section. */
AdamSettings adam_settings(const ModelConfig *c);

/* One optimisation step on a batch already loaded into ws->x: draw pixels and
 * ε from r, forward, backward of recon + β·KL (per image), Adam step t (1-based).
 * Returns the batch's loss sums; on a non-finite loss the parameters are left
 * untouched. */
LossParts train_step(Model *m, Workspace *ws, int B, float beta, const AdamSettings *adam, long t,
                     Rng *r);

/* Exit status of a run interrupted by SIGINT/SIGTERM after saving its checkpoint. */
#define TRAIN_INTERRUPTED 130

/* Returns 0 when the run reached its budget, TRAIN_INTERRUPTED when a signal
 * stopped it (checkpoint saved), -1 on error (reported). */
int train_run(const TrainOptions *o);

/* The process exit status for such a result: 0, TRAIN_INTERRUPTED, or 1. */
static inline int train_exit_status(int rc)
{
    return rc == 0 ? 0 : rc == TRAIN_INTERRUPTED ? TRAIN_INTERRUPTED : 1;
}

#endif
