/* dist_train.h - the data-parallel parts of a training run (an MPI job,
 * distributed.h): the start (agreement and broadcast), the step, the checks.
 *
 * The model's batch B is the global batch; with N ranks, N must divide it and
 * rank r takes images [r·B/N, (r+1)·B/N) of each global batch, which comes
 * from one shuffle of the seed (train.c), the same at every N.
 *
 * The step. Each rank runs its B/N images in chunks of c = reduce_chunk images
 * (c must divide B/N; default 4: one image per chunk halves the speed, its
 * GEMMs being too small). A chunk's randomness (ε, sampled pixels) comes from its
 * own stream, seeded from one 64-bit key drawn from the training stream per
 * step and the chunk's index in the global batch: so chunk k's forward and
 * backward are the same computation, bit for bit, whichever rank runs it and
 * whatever N is (at the same --threads per rank).
 *   exact (default): each chunk's gradient g (already scaled by 1/B, like the
 *     loss) is rounded to 64-bit fixed point, q = round(g · 2^DIST_GRAD_SHIFT),
 *     and the q of every chunk are summed as int64 on the rank and then over
 *     the ranks (MPI_INT64_T, MPI_SUM). Integer sums do not depend on their
 *     order, so the summed gradient, and every parameter after Adam, is the
 *     same for every N that divides B. Headroom: with K = B/c chunks in the
 *     global batch, each |q| must stay below 2^62 / K, so that no partial sum
 *     can pass 2^62 < 2^63; a chunk value beyond that (|g| ≥ 2^(62−36)/K, e.g.
 *     4.2e6 for batch 64 in chunks of 4, K = 16), or a non-finite one, stops the run with the tensor
 *     named, never wrapping. The resolution is 2^−36 ≈ 1.5e−11, below a float's
 *     rounding for any gradient entry larger than about 1e−4.
 *     The loss sums travel in the same buffer at scale 2^DIST_LOSS_SHIFT.
 *   fast: the chunks' gradients are summed in float on the rank, then over the
 *     ranks with a float MPI_Allreduce: the same at every repeat with the same
 *     N, and within float rounding of another N.
 * The same buffer carries the step's flags (a non-finite loss, an overflow, a
 * stop request from any rank's SIGINT/SIGTERM), so a step makes exactly one
 * reduction and every rank takes the same decision after it. */
#ifndef FFVAE_DIST_TRAIN_H
#define FFVAE_DIST_TRAIN_H

#include <stdint.h>

#include "checkpoint.h"
#include "dataset.h"
#include "model.h"
#include "train.h"
#include "workspace.h"

#define DIST_GRAD_SHIFT 36
#define DIST_LOSS_SHIFT 24
/* Every this many steps the ranks check that they hold the same state. */
#define DIST_CHECK_EVERY 100

typedef struct {
    int B, b_local, chunk, mode; /* mode: REDUCE_EXACT or REDUCE_FAST */
    int first_chunk;             /* this rank's first chunk in the global step */
    int local_chunks;            /* this rank's chunks per step */
    int n_chunks;                /* chunks in the global step (K, the exact sum's headroom) */
    size_t n;                    /* floats in the gradient buffer */
    int64_t *acc;                /* [n + extras] exact sums */
    float *facc;                 /* [n + extras] fast sums */
    /* the step under way (dist_step_begin .. dist_step_finish) */
    double t0;
    long nonfinite, overflow;
    double recon, kl, ffl;       /* fast: the chunks' loss sums */
    int64_t lrecon, lkl, lffl;   /* exact: the same in fixed point */
    double compute_s, reduce_s;  /* the last step's times */
} DistStep;

/* Checks that the job's size divides the batch and the chunk the share;
 * allocates the sums. Outside an MPI job there is nothing to do (0). */
int dist_step_create(DistStep *d, const Model *m);
/* The checks alone (the job's size divides the batch, the chunk the share),
 * for a caller that checks every model before any run (compare.c). */
int dist_check_batch(const ModelConfig *c);
void dist_step_free(DistStep *d);

/* Any other step made of chunks (fit's pixel chunks, fit.c): n_chunks in the
 * global step, of which this rank runs local_chunks from first_chunk on. In
 * exact mode the result is the same for any split of the chunks over the
 * ranks, even or not. Outside an MPI job there is nothing to do (0). */
int dist_step_create_chunks(DistStep *d, const Model *m, int n_chunks, int first_chunk,
                            int local_chunks);

/* Images per rank per step: B/N in a job, else B. */
static inline int dist_batch_share(const DistStep *d, int B)
{
    return d->b_local > 0 ? d->b_local : B;
}

/* After each rank has made or loaded its model and state: every rank agrees
 * with rank 0 on the resolved config, the dataset and the run's position
 * (a difference stops the job, naming the rank and what differs), then takes
 * rank 0's parameters, Adam moments, frequencies and random stream. */
int dist_start(Model *m, TrainState *s, const Dataset *ds);

/* The pieces of dist_start, for runs other than train's: every rank compares
 * its resolved config, or a hash of something (what names it in the message),
 * with rank 0's; -1 on every rank when any differs (each differing rank says
 * so). No-ops (0) outside a job. */
int dist_agree_config(const ModelConfig *c);
int dist_agree(uint64_t mine, const char *what);

/* Every rank checks a hash of its parameters, Adam moments and random stream
 * against rank 0's; -1 (reported, naming the rank) when one differs. */
int dist_check_state(const Model *m, const TrainState *s);

/* The parts of a step, for callers with their own chunks (fit.c):
 *   key = dist_step_begin(d, m, train_rng);   (train_rng may be NULL: key 0)
 *   for each local chunk k:
 *       forward on the chunk (its stream seeded from key and its global index);
 *       if (dist_chunk_forward_done(d, m, lp)) { backward with the global scale;
 *                                               dist_chunk_backward_done(d, m, lp, k); }
 *   lp = dist_step_finish(d, m, adam, t, stop_here, &stop_all, &status);
 * forward_done counts a non-finite loss (the chunk is skipped, and the step
 * then returns NaN on every rank) and, in exact mode, clears the gradient for
 * the chunk's own backward; backward_done adds it to the step's sums. */
uint64_t dist_step_begin(DistStep *d, Model *m, Rng *train_rng);
int dist_chunk_forward_done(DistStep *d, Model *m, LossParts lp);
void dist_chunk_backward_done(DistStep *d, const Model *m, LossParts lp, int chunk_index);
LossParts dist_step_finish(DistStep *d, Model *m, const AdamSettings *adam, long t,
                           int stop_here, int *stop_all, int *status);

/* One step on this rank's images (uint8 [b_local, H·W·C]): forward and
 * backward per chunk, one reduction, Adam step t. Returns the global batch's
 * loss sums (NaN when any chunk's loss was not finite: parameters untouched).
 * *stop_all is set when any rank asked to stop (stop_here on that rank).
 * Returns -1 in *status on an overflow of the exact sum (reported). */
LossParts dist_train_step(DistStep *d, Model *m, Workspace *ws, const uint8_t *images,
                          LossScale scale, const AdamSettings *adam, long t, Rng *train_rng,
                          int stop_here, int *stop_all, int *status);

#endif
