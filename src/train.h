/* train.h - training a model on a dataset into a run directory:
 *   RUN/config.ini     the model as resolved
 *   RUN/log.csv        step,epoch,loss,reconstruction,kl,seconds,focal_frequency
 *                      (loss = negative ELBO per image; focal_frequency outside it)
 *   RUN/checkpoint.h5  written atomically every checkpoint_every steps and at the end */
#ifndef FFVAE_TRAIN_H
#define FFVAE_TRAIN_H

#include <stdint.h>

#include "progress.h"

typedef struct {
    const char *model_path; /* may be NULL with resume */
    const char *data_path;
    const char *run_dir;
    long steps;             /* > 0: train to this step */
    double epochs;          /* > 0: train this many epochs (when steps is 0) */
    uint64_t seed;
    int threads;            /* 0: OpenBLAS's default */
    int resume;
    const Reporter *report; /* NULL: quiet; live status, or plain log lines without one */
    const char *resume_hint; /* how to continue after a stop; NULL: train's --resume */
    const StopControl *stop; /* armed around the steps; NULL: never stops early */
    const char *const *sets; /* `--set KEY=V` applied to the model as loaded ([n_sets]) */
    int n_sets;
} TrainOptions;

#include "adam.h"
#include "model.h"

/* The optimiser settings of a model's [training] section. */
AdamSettings adam_settings(const ModelConfig *c);

/* The weights of the two loss terms a step descends:
 * recon·(reconstruction summed over the batch) + kl·(KL summed over the batch). */
typedef struct {
    float recon, kl;
} LossScale;

/* One optimisation step on a batch already loaded into ws->x: draw pixels and
 * ε from r, forward, backward of the scaled loss, Adam step t (1-based).
 * r may be NULL only when there is nothing to draw: every pixel and no latent
 * (`ffvae fit`). Returns the batch's loss sums; on a non-finite loss the
 * parameters are left untouched. */
LossParts train_step_scaled(Model *m, Workspace *ws, int B, LossScale scale,
                            const AdamSettings *adam, long t, Rng *r);

/* The KL's weight at step `step` (0-based: the steps done before this one):
 * β·step/kl_warmup during the warm-up, then β. It scales only the rate's
 * gradient (kl_scale = β_at/B); the logged loss stays the unweighted ELBO. */
float train_beta_at(const ModelConfig *c, long step);

/* train's step: recon + β·KL per image, the scale {1/B, β/B}. */
LossParts train_step(Model *m, Workspace *ws, int B, float beta, const AdamSettings *adam, long t,
                     Rng *r);

/* Exit status of a run stopped (SIGINT/SIGTERM in ffvae) after saving its checkpoint. */
#define TRAIN_INTERRUPTED 130

/* Returns 0 when the run reached its budget, TRAIN_INTERRUPTED when o->stop
 * stopped it (checkpoint saved, and said where on stderr), -1 on error
 * (reported). */
int train_run(const TrainOptions *o);

/* The process exit status for such a result: 0, TRAIN_INTERRUPTED, or 1. */
static inline int train_exit_status(int rc)
{
    return rc == 0 ? 0 : rc == TRAIN_INTERRUPTED ? TRAIN_INTERRUPTED : 1;
}

#endif
