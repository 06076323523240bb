/* dist_train.c - the data-parallel start, step and checks (see dist_train.h). */
#include "dist_train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "distributed.h"
#include "parallel.h"
#include "util.h"

/* Slots after the gradient in the reduced buffer. */
enum { X_RECON, X_KL, X_FFL, X_NONFINITE, X_OVERFLOW, X_STOP, N_EXTRA };

static int alloc_sums(DistStep *d, const Model *m);

int dist_check_batch(const ModelConfig *c)
{
    if (!dist_active())
        return 0;
    int N = dist_size(), B = c->batch;
    if (B % N != 0) {
        ffvae_error("%s: the batch of %d images does not split over %d ranks (N must divide the "
                    "batch: use -np with a divisor of %d, or change [training] batch)",
                    c->name, B, N, B);
        return -1;
    }
    if ((B / N) % c->reduce_chunk != 0) {
        ffvae_error("%s: each of %d ranks takes %d images, not a multiple of reduce_chunk = %d",
                    c->name, N, B / N, c->reduce_chunk);
        return -1;
    }
    return 0;
}

int dist_step_create(DistStep *d, const Model *m)
{
    memset(d, 0, sizeof *d);
    if (!dist_active())
        return 0;
    const ModelConfig *c = &m->cfg;
    int N = dist_size(), B = c->batch;
    if (dist_check_batch(c) != 0)
        return -1;
    d->B = B;
    d->b_local = B / N;
    d->chunk = c->reduce_chunk;
    d->mode = c->reduce;
    d->first_chunk = dist_rank() * (d->b_local / d->chunk);
    d->local_chunks = d->b_local / d->chunk;
    d->n_chunks = B / d->chunk;
    return alloc_sums(d, m);
}

int dist_step_create_chunks(DistStep *d, const Model *m, int n_chunks, int first_chunk,
                            int local_chunks)
{
    memset(d, 0, sizeof *d);
    if (!dist_active())
        return 0;
    d->mode = m->cfg.reduce;
    d->n_chunks = n_chunks;
    d->first_chunk = first_chunk;
    d->local_chunks = local_chunks;
    return alloc_sums(d, m);
}

static int alloc_sums(DistStep *d, const Model *m)
{
    d->n = m->table.total;
    if (d->mode == REDUCE_EXACT)
        d->acc = checked_malloc(d->n + N_EXTRA, sizeof *d->acc, "exact gradient sums");
    else
        d->facc = checked_malloc(d->n + N_EXTRA, sizeof *d->facc, "gradient sums");
    return d->acc || d->facc ? 0 : -1;
}

void dist_step_free(DistStep *d)
{
    free(d->acc);
    free(d->facc);
    d->acc = NULL;
    d->facc = NULL;
}

/* ---- agreement ----------------------------------------------------------- */

/* Every rank compares its value with rank 0's. The ranks that differ say so;
 * all return -1 together, so the job stops the same way everywhere. */
int dist_agree(uint64_t mine, const char *what)
{
    if (!dist_active())
        return 0;
    uint64_t root = mine;
    dist_bcast(&root, sizeof root);
    int64_t differ = root != mine;
    if (differ)
        ffvae_error("rank %d: %s differs from rank 0's (hash %016llx, rank 0 has %016llx)",
                    dist_rank(), what, (unsigned long long)mine, (unsigned long long)root);
    dist_sum_i64(&differ, 1);
    if (differ && dist_rank() == 0)
        ffvae_error("%lld of %d ranks differ from rank 0 in %s; stopping the job",
                    (long long)differ, dist_size(), what);
    return differ ? -1 : 0;
}

/* The first line where a and b differ, into buf. */
static void first_difference(char *buf, size_t size, const char *a, const char *b)
{
    while (*a && *b) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || memcmp(a, b, la) != 0) {
            snprintf(buf, size, "'%.*s' where rank 0 has '%.*s'", (int)(la > 120 ? 120 : la), a,
                     (int)(lb > 120 ? 120 : lb), b);
            return;
        }
        a += la + (a[la] != 0);
        b += lb + (b[lb] != 0);
    }
    snprintf(buf, size, "%s", *a ? "extra lines" : "missing lines");
}

/* Rank 0 broadcasts its resolved config; each rank compares its own. */
int dist_agree_config(const ModelConfig *c)
{
    if (!dist_active())
        return 0;
    char *mine = config_to_string(c);
    if (!mine)
        dist_abort(1);
    uint64_t len = strlen(mine);
    dist_bcast(&len, sizeof len);
    char *root = checked_malloc(len + 1, 1, "rank 0's config");
    if (!root)
        dist_abort(1);
    if (dist_rank() == 0)
        memcpy(root, mine, len + 1);
    dist_bcast(root, len + 1);
    int64_t differ = strcmp(root, mine) != 0;
    if (differ) {
        char what[320];
        first_difference(what, sizeof what, mine, root);
        ffvae_error("rank %d: the model configuration differs from rank 0's: %s", dist_rank(),
                    what);
    }
    free(mine);
    free(root);
    dist_sum_i64(&differ, 1);
    if (differ && dist_rank() == 0)
        ffvae_error("%lld of %d ranks differ from rank 0 in the model configuration; stopping "
                    "the job",
                    (long long)differ, dist_size());
    return differ ? -1 : 0;
}

static uint64_t state_hash(const Model *m, const TrainState *s)
{
    size_t bytes = m->table.total * sizeof(float);
    uint64_t h = dist_hash(0, m->params, bytes);
    h = dist_hash(h, m->adam_m, bytes);
    h = dist_hash(h, m->adam_v, bytes);
    h = dist_hash(h, &s->rng, sizeof s->rng);
    int64_t step = s->step;
    return dist_hash(h, &step, sizeof step);
}

int dist_start(Model *m, TrainState *s, const Dataset *ds)
{
    if (!dist_active())
        return 0;
    dist_heartbeat(NULL);
    if (dist_agree_config(&m->cfg) != 0)
        return -1;
    const Split *sp = &ds->train;
    int64_t shape[4] = {sp->n, sp->h, sp->w, sp->c};
    uint64_t h = dist_hash(0, ds->name, strlen(ds->name));
    h = dist_hash(h, shape, sizeof shape);
    h = dist_hash(h, sp->images, (size_t)sp->n * sp->h * sp->w * sp->c);
    if (dist_agree(h, "the dataset (name, size or training images)") != 0)
        return -1;
    int64_t run[3] = {s->step, s->target_steps, (int64_t)s->seed};
    if (dist_agree(dist_hash(0, run, sizeof run),
              "the run's position (step, target step or seed: --steps/--epochs/--seed, or the "
              "checkpoint resumed)") != 0)
        return -1;
    /* Rank 0's model and state, whatever the others computed or read. */
    size_t bytes = m->table.total * sizeof(float);
    dist_bcast(m->params, bytes);
    dist_bcast(m->adam_m, bytes);
    dist_bcast(m->adam_v, bytes);
    dist_bcast(m->freqs, (size_t)(m->F ? m->F * 2 : 1) * sizeof(float));
    dist_bcast(&s->rng, sizeof s->rng);
    dist_bcast(&s->epoch, sizeof s->epoch);
    dist_bcast(&s->seconds, sizeof s->seconds);
    dist_bcast(s->pending, sizeof s->pending);
    return dist_check_state(m, s);
}

int dist_check_state(const Model *m, const TrainState *s)
{
    if (!dist_active())
        return 0;
    return dist_agree(state_hash(m, s), "the parameters, Adam moments or random stream");
}

/* ---- the step ------------------------------------------------------------ */

typedef struct {
    const float *g;
    int64_t *acc;
    double limit;              /* |q| must stay below this */
    size_t first_bad[PARALLEL_MAX_PARTS];
    long bad[PARALLEL_MAX_PARTS];
} ToFixed;

static void to_fixed_part(void *job, size_t begin, size_t end, int part)
{
    ToFixed *j = job;
    const double scale = ldexp(1.0, DIST_GRAD_SHIFT);
    long bad = 0;
    size_t first = 0;
    for (size_t i = begin; i < end; i++) {
        double q = (double)j->g[i] * scale;
        if (!(fabs(q) < j->limit)) { /* also catches NaN */
            if (bad++ == 0)
                first = i;
            continue;
        }
        j->acc[i] += (int64_t)llrint(q);
    }
    j->bad[part] = bad;
    j->first_bad[part] = first;
}

typedef struct {
    const int64_t *acc;
    float *g;
} FromFixed;

static void from_fixed_part(void *job, size_t begin, size_t end, int part)
{
    (void)part;
    FromFixed *j = job;
    const double scale = ldexp(1.0, -DIST_GRAD_SHIFT);
    for (size_t i = begin; i < end; i++)
        j->g[i] = (float)((double)j->acc[i] * scale);
}

static const char *tensor_of(const Model *m, size_t i)
{
    for (int k = m->table.n - 1; k >= 0; k--)
        if (m->table.t[k].offset <= i)
            return m->table.t[k].name;
    return "?";
}

/* Adds this chunk's gradient to the exact sums; the entries out of range
 * (counted, the first reported) are left out. */
static long add_fixed(DistStep *d, const Model *m, int chunk_index)
{
    ToFixed j;
    memset(&j, 0, sizeof j);
    j.g = m->grads;
    j.acc = d->acc;
    j.limit = ldexp(1.0, 62) / (double)d->n_chunks;
    int parts = parallel_for(d->n, 1 << 14, to_fixed_part, &j);
    long bad = 0;
    for (int k = 0; k < parts; k++) {
        if (j.bad[k] && bad == 0) {
            size_t i = j.first_bad[k];
            ffvae_error("rank %d: step's chunk %d: gradient of %s is %g, outside the exact "
                        "reduction's range (|g| < %g: 2^62 / %d chunks at scale 2^%d)",
                        dist_rank(), chunk_index, tensor_of(m, i), (double)m->grads[i],
                        ldexp(j.limit, -DIST_GRAD_SHIFT), d->n_chunks, DIST_GRAD_SHIFT);
        }
        bad += j.bad[k];
    }
    return bad;
}

static int64_t loss_fixed(double v, double limit, long *bad)
{
    double q = v * ldexp(1.0, DIST_LOSS_SHIFT);
    if (!(fabs(q) < limit)) {
        (*bad)++;
        return 0;
    }
    return (int64_t)llrint(q);
}

static const char computing[] = "computing a step", reducing[] = "in the gradient reduction";

uint64_t dist_step_begin(DistStep *d, Model *m, Rng *train_rng)
{
    d->t0 = now_seconds();
    dist_heartbeat(computing);
    uint64_t key = 0;
    if (train_rng) { /* one key per step from the training stream: every rank draws the same */
        key = (uint64_t)rng_u32(train_rng) << 32;
        key |= rng_u32(train_rng);
    }
    d->nonfinite = d->overflow = 0;
    d->recon = d->kl = d->ffl = 0;
    d->lrecon = d->lkl = d->lffl = 0;
    if (d->mode == REDUCE_EXACT)
        memset(d->acc, 0, (d->n + N_EXTRA) * sizeof *d->acc);
    else
        memset(m->grads, 0, d->n * sizeof(float));
    return key;
}

int dist_chunk_forward_done(DistStep *d, Model *m, LossParts lp)
{
    if (!isfinite(lp.recon) || !isfinite(lp.kl)) {
        d->nonfinite++;
        return 0;
    }
    if (d->mode == REDUCE_EXACT) /* fast mode accumulates every chunk in grads */
        memset(m->grads, 0, d->n * sizeof(float));
    return 1;
}

void dist_chunk_backward_done(DistStep *d, const Model *m, LossParts lp, int chunk_index)
{
    if (d->mode == REDUCE_EXACT) {
        double loss_limit = ldexp(1.0, 62) / (double)d->n_chunks;
        d->overflow += add_fixed(d, m, chunk_index);
        d->lrecon += loss_fixed(lp.recon, loss_limit, &d->overflow);
        d->lkl += loss_fixed(lp.kl, loss_limit, &d->overflow);
        d->lffl += loss_fixed(lp.ffl, loss_limit, &d->overflow);
    } else {
        d->recon += lp.recon;
        d->kl += lp.kl;
        d->ffl += lp.ffl;
    }
}

LossParts dist_step_finish(DistStep *d, Model *m, const AdamSettings *adam, long t,
                           int stop_here, int *stop_all, int *status)
{
    size_t n = d->n;
    *status = 0;
    double t1 = now_seconds();
    dist_heartbeat(reducing);
    double flags[3] = {(double)d->nonfinite, (double)d->overflow, stop_here ? 1.0 : 0.0};
    LossParts total = {0};
    if (d->mode == REDUCE_EXACT) {
        int64_t *x = d->acc + n;
        x[X_RECON] = d->lrecon;
        x[X_KL] = d->lkl;
        x[X_FFL] = d->lffl;
        x[X_NONFINITE] = d->nonfinite;
        x[X_OVERFLOW] = d->overflow;
        x[X_STOP] = stop_here ? 1 : 0;
        dist_sum_i64(d->acc, n + N_EXTRA);
        total.recon = ldexp((double)x[X_RECON], -DIST_LOSS_SHIFT);
        total.kl = ldexp((double)x[X_KL], -DIST_LOSS_SHIFT);
        total.ffl = ldexp((double)x[X_FFL], -DIST_LOSS_SHIFT);
        for (int i = 0; i < 3; i++)
            flags[i] = (double)x[X_NONFINITE + i];
    } else {
        memcpy(d->facc, m->grads, n * sizeof(float));
        float *x = d->facc + n;
        x[X_RECON] = (float)d->recon;
        x[X_KL] = (float)d->kl;
        x[X_FFL] = (float)d->ffl;
        x[X_NONFINITE] = (float)d->nonfinite;
        x[X_OVERFLOW] = 0;
        x[X_STOP] = stop_here ? 1.0f : 0.0f;
        dist_sum_f32(d->facc, n + N_EXTRA);
        total.recon = x[X_RECON];
        total.kl = x[X_KL];
        total.ffl = x[X_FFL];
        flags[0] = x[X_NONFINITE];
        flags[2] = x[X_STOP];
    }
    double t2 = now_seconds();
    dist_heartbeat(computing);
    *stop_all = flags[2] > 0;
    if (flags[0] > 0) {
        total.recon = NAN; /* the caller reports the divergence; no Adam step */
        return total;
    }
    if (flags[1] > 0) {
        if (dist_rank() == 0)
            ffvae_error("the exact gradient sum would overflow at step %ld (%.0f entries out of "
                        "range; see above); lower lr or set clip, or use [training] reduce = fast",
                        t, flags[1]);
        *status = -1;
        return total;
    }
    if (d->mode == REDUCE_EXACT) {
        FromFixed j = {d->acc, m->grads};
        parallel_for(n, 1 << 14, from_fixed_part, &j);
    } else {
        memcpy(m->grads, d->facc, n * sizeof(float));
    }
    adam_step(m->params, m->grads, m->adam_m, m->adam_v, n, adam, t);
    d->compute_s = (t1 - d->t0) + (now_seconds() - t2);
    d->reduce_s = t2 - t1;
    return total;
}

LossParts dist_train_step(DistStep *d, Model *m, Workspace *ws, const uint8_t *images,
                          LossScale scale, const AdamSettings *adam, long t, Rng *train_rng,
                          int stop_here, int *stop_all, int *status)
{
    size_t img = (size_t)m->P * m->C;
    uint64_t key = dist_step_begin(d, m, train_rng);
    for (int k = 0; k < d->local_chunks; k++) {
        Rng r;
        rng_seed(&r, key, (uint64_t)(d->first_chunk + k));
        workspace_load_images(ws, m, images + (size_t)k * d->chunk * img, d->chunk);
        workspace_sample_pixels(ws, m, d->chunk, &r);
        LossParts lp = model_forward(m, ws, d->chunk, &r);
        if (!dist_chunk_forward_done(d, m, lp))
            continue;
        model_backward(m, ws, d->chunk, scale.recon, scale.kl); /* fast mode: accumulates */
        dist_chunk_backward_done(d, m, lp, d->first_chunk + k);
    }
    return dist_step_finish(d, m, adam, t, stop_here, stop_all, status);
}
