/* train.c - the training loop: data order, steps, logging, checkpoints, resume. */
#include "train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "checkpoint.h"
#include "dataset.h"
#include "dist_train.h"
#include "distributed.h"
#include "model.h"
#include "parallel.h"
#include "stale_temps.h"
#include "sweep.h"
#include "util.h"
#include "workspace.h"

/* Streams derived from the seed (rng.h); ε and pixel draws use the stored
 * training stream, so these only need to differ from it and each other. */
enum { STREAM_INIT = 1, STREAM_TRAIN = 2, STREAM_ORDER = 1000 };

/* The spectrum encoding's power spectrum needs no more images than this to settle. */
#define SPECTRUM_MAX_IMAGES 10000

typedef struct {
    char config[4096], log[4096], checkpoint[4096];
} RunPaths;

static int run_paths(RunPaths *p, const char *dir)
{
    if (path_join(p->config, sizeof p->config, dir, "config.ini") != 0 ||
        path_join(p->log, sizeof p->log, dir, "log.csv") != 0 ||
        path_join(p->checkpoint, sizeof p->checkpoint, dir, "checkpoint.h5") != 0)
        return -1;
    return 0;
}

static void print_log_row(FILE *f, const LogRow *r)
{
    fprintf(f, "%ld,%.4f,%.6f,%.6f,%.6f,%.3f,%.6f\n", r->step, r->epoch, r->loss, r->recon,
            r->kl, r->seconds, r->ffl);
}

/* Rewrites log.csv from the rows the checkpoint holds (dropping any written
 * after it), then opens it for appending. */
static FILE *open_log(const char *path, const TrainState *s)
{
    OutputFile out;
    FILE *f = output_open(&out, path);
    if (!f)
        return NULL;
    fprintf(f, "step,epoch,loss,reconstruction,kl,seconds,focal_frequency\n");
    for (long i = 0; i < s->n_log; i++)
        print_log_row(f, &s->log[i]);
    if (output_close(&out, f) != 0)
        return NULL;
    f = fopen(path, "a");
    if (!f)
        ffvae_error("%s: cannot append: %s", path, strerror(errno));
    return f;
}

static int check_fits(const ModelConfig *c, const Split *sp, const char *model, const char *data)
{
    if (split_check_geometry(sp, c->height, c->width, c->channels, model, data) != 0)
        return -1;
    if (sp->n < c->batch) {
        ffvae_error("%s: %d training images, fewer than one batch of %d", data, sp->n, c->batch);
        return -1;
    }
    return 0;
}

/* A fresh run: the model from its definition, initialised from the seed. */
static int start_run(const TrainOptions *o, const RunPaths *paths, const Dataset *ds, Model *m,
                     TrainState *s)
{
    ModelConfig cfg;
    if (!o->model_path) {
        ffvae_error("train: a model definition (-m) is needed to start a run");
        return -1;
    }
    if (path_exists(paths->checkpoint)) {
        ffvae_error("%s: already holds a run; use --resume to continue it, or another -o",
                    o->run_dir);
        return -1;
    }
    if (config_load(&cfg, o->model_path) != 0 ||
        config_apply_sets(&cfg, o->sets, o->n_sets) != 0 ||
        check_fits(&cfg, &ds->train, o->model_path, o->data_path) != 0)
        return -1;
    if (model_create(m, &cfg) != 0)
        return -1;
    Rng init;
    rng_seed(&init, o->seed, STREAM_INIT);
    int n_spec = ds->train.n < SPECTRUM_MAX_IMAGES ? ds->train.n : SPECTRUM_MAX_IMAGES;
    if (model_init_frequencies(m, ds->train.images, n_spec, &init) != 0) {
        model_free(m);
        return -1;
    }
    model_init_params(m, &init);
    memset(s, 0, sizeof *s);
    s->seed = o->seed;
    rng_seed(&s->rng, o->seed, STREAM_TRAIN);
    snprintf(s->dataset, sizeof s->dataset, "%s", ds->name);
    return 0;
}

/* A resumed run: everything from the checkpoint; -m, if given, must agree. */
static int resume_run(const TrainOptions *o, const RunPaths *paths, const Dataset *ds, Model *m,
                      TrainState *s)
{
    if (!path_exists(paths->checkpoint)) {
        ffvae_error("%s: no checkpoint to resume", paths->checkpoint);
        return -1;
    }
    if (checkpoint_load(paths->checkpoint, m, s) != 0)
        return -1;
    if (o->model_path || o->n_sets > 0) {
        /* -m and --set, as given, must describe the stored model. */
        ModelConfig given = m->cfg;
        char *a = NULL, *b = NULL;
        int same = (!o->model_path || config_load(&given, o->model_path) == 0) &&
                   config_apply_sets(&given, o->sets, o->n_sets) == 0 &&
                   (a = config_to_string(&given)) && (b = config_to_string(&m->cfg)) &&
                   strcmp(a, b) == 0;
        free(a);
        free(b);
        if (!same) {
            ffvae_error("%s: differs from the model in %s; resume without -m or --set, or start "
                        "a new run", o->model_path ? o->model_path : "--set", paths->checkpoint);
            goto fail;
        }
    }
    if (check_fits(&m->cfg, &ds->train, paths->checkpoint, o->data_path) != 0)
        goto fail;
    /* A row for a budget's last, partial interval is replaced by the full one. */
    while (s->n_log > 0 && s->log[s->n_log - 1].step % m->cfg.log_every != 0)
        s->n_log--;
    return 0;
fail:
    train_state_free(s);
    model_free(m);
    return -1;
}

static void format_duration(char *buf, size_t size, double seconds)
{
    long t = (long)(seconds + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else
        snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
}

typedef struct {
    Model *m;
    TrainState *s;
    const Dataset *ds;
    const TrainOptions *o;
    RunPaths paths;
    FILE *log;
    Workspace ws;
    uint8_t *batch;  /* [B, H·W·C] the step's images, gathered */
    int32_t *order;  /* [N] this epoch's image order */
    long order_epoch;
    long steps_per_epoch;
    long saved_step; /* step of the last checkpoint on disk, -1 when none */
    DistStep dist;   /* an MPI job's step (dist_train.h); unused otherwise */
    double compute_s, reduce_s; /* an MPI job's step times since the last log row */
    long timed_steps;
} Trainer;

/* Loads the images of step `step` into the batch: a fixed shuffle per epoch,
 * derived from the seed, so a resumed run sees the same order. In an MPI job
 * each rank gathers only its share, slice r of the global batch: the order
 * does not depend on the number of ranks. */
static void load_batch(Trainer *t, long step)
{
    const Split *sp = &t->ds->train;
    int B = t->m->cfg.batch;
    long epoch = step / t->steps_per_epoch, pos = step % t->steps_per_epoch;
    if (epoch != t->order_epoch) {
        Rng r;
        rng_seed(&r, t->s->seed, STREAM_ORDER + (uint64_t)epoch);
        for (int i = 0; i < sp->n; i++)
            t->order[i] = i;
        rng_shuffle(&r, t->order, sp->n);
        t->order_epoch = epoch;
    }
    size_t img = (size_t)sp->h * sp->w * sp->c;
    int share = dist_batch_share(&t->dist, B), first = dist_rank() * share;
    for (int b = 0; b < share; b++)
        memcpy(t->batch + b * img, sp->images + (size_t)t->order[pos * B + first + b] * img, img);
    if (!dist_active()) /* the MPI step loads its chunks itself */
        workspace_load_images(&t->ws, t->m, t->batch, B);
}

AdamSettings adam_settings(const ModelConfig *c)
{
    AdamSettings a = {c->lr, c->beta1, c->beta2, c->epsilon, c->weight_decay, c->clip};
    return a;
}

LossParts train_step_scaled(Model *m, Workspace *ws, int B, LossScale scale,
                            const AdamSettings *adam, long t, Rng *r)
{
    workspace_sample_pixels(ws, m, B, r);
    LossParts lp = model_forward(m, ws, B, r);
    if (!isfinite(lp.recon) || !isfinite(lp.kl))
        return lp;
    memset(m->grads, 0, m->table.total * sizeof(float));
    model_backward(m, ws, B, scale.recon, scale.kl);
    adam_step(m->params, m->grads, m->adam_m, m->adam_v, m->table.total, adam, t);
    return lp;
}

LossParts train_step(Model *m, Workspace *ws, int B, float beta, const AdamSettings *adam, long t,
                     Rng *r)
{
    LossScale per_image = {1.0f / B, beta / B};
    return train_step_scaled(m, ws, B, per_image, adam, t, r);
}

float train_beta_at(const ModelConfig *c, long step)
{
    if (c->kl_warmup <= 0 || step >= c->kl_warmup)
        return c->beta;
    return c->beta * (float)step / (float)c->kl_warmup;
}

/* Appends a row of the mean loss since the last full interval. A row at the
 * end of a budget that is not a multiple of log_every keeps its sums pending,
 * so a resumed run (which drops that row) logs exactly what an uninterrupted
 * one would. */
static int emit_log_row(Trainer *t, int interval_done)
{
    TrainState *s = t->s;
    double n = s->pending[PENDING_STEPS];
    LogRow r = {s->step,
                (float)s->epoch,
                (float)(s->pending[PENDING_LOSS] / n),
                (float)(s->pending[PENDING_RECON] / n),
                (float)(s->pending[PENDING_KL] / n),
                (float)s->seconds,
                (float)(s->pending[PENDING_FFL] / n)};
    if (interval_done)
        memset(s->pending, 0, sizeof s->pending);
    if (train_state_append_log(s, &r) != 0)
        return -1;
    /* Flushed row by row, so log.csv follows a long run; a full disk stops it.
     * In an MPI job only rank 0 has the log. */
    if (t->log) {
        print_log_row(t->log, &r);
        if (fflush(t->log) != 0 || ferror(t->log)) {
            ffvae_error("%s: cannot write: %s", t->paths.log, strerror(errno));
            return -1;
        }
    }
    char times[96] = "";
    if (t->timed_steps > 0)
        snprintf(times, sizeof times, "  per step: compute %.1f ms, reduction %.2f ms",
                 1e3 * t->compute_s / t->timed_steps, 1e3 * t->reduce_s / t->timed_steps);
    t->compute_s = t->reduce_s = 0;
    t->timed_steps = 0;
    char ffl[48] = ""; /* outside the ELBO, so shown apart from loss */
    if (t->m->cfg.focal_frequency > 0)
        snprintf(ffl, sizeof ffl, "  focal_frequency %.4f", r.ffl);
    if (!report_is_live(t->o->report))
        report_line(t->o->report,
                    "step %ld  epoch %.3f  loss %.4f  reconstruction %.4f  kl %.4f%s  %.1fs%s",
                    r.step, r.epoch, r.loss, r.recon, r.kl, ffl, r.seconds, times);
    return 0;
}

static void show_progress(const Trainer *t, double images_per_s, const LossParts *lp)
{
    const TrainState *s = t->s;
    int B = t->m->cfg.batch;
    char eta[32];
    format_duration(eta, sizeof eta,
                    (double)(s->target_steps - s->step) * B / (images_per_s > 0 ? images_per_s : 1));
    report_status(t->o->report,
                  "step %ld/%ld  epoch %.2f  loss %.2f  recon %.2f  kl %.2f  %.0f img/s  ETA %s  ",
                  s->step, s->target_steps, s->epoch, (lp->recon + lp->kl) / B, lp->recon / B,
                  lp->kl / B, images_per_s, eta);
}

/* Runs steps until the budget or a stop request; returns 0, TRAIN_INTERRUPTED or -1. */
static int train_loop(Trainer *t)
{
    Model *m = t->m;
    TrainState *s = t->s;
    const ModelConfig *c = &m->cfg;
    int B = c->batch;
    AdamSettings adam = adam_settings(c);
    double segment_start = now_seconds(), last_shown = 0, seconds_at_start = s->seconds;
    long steps_at_start = s->step;

    int stop_all = 0; /* an MPI job: some rank asked to stop (decided by the step's reduction) */

    while (s->step < s->target_steps) {
        if (!dist_active() && stop_requested(t->o->stop))
            break;
        double t0 = now_seconds();
        load_batch(t, s->step);
        LossParts lp;
        if (dist_active()) {
            float beta = train_beta_at(c, s->step);
            LossScale per_image = {1.0f / B, beta / B};
            int status;
            lp = dist_train_step(&t->dist, m, &t->ws, t->batch, per_image, &adam, s->step + 1,
                                 &s->rng, stop_requested(t->o->stop), &stop_all, &status);
            if (status != 0)
                return -1;
            t->compute_s += t->dist.compute_s;
            t->reduce_s += t->dist.reduce_s;
            t->timed_steps++;
        } else {
            lp = train_step(m, &t->ws, B, train_beta_at(c, s->step), &adam, s->step + 1, &s->rng);
        }
        if (!isfinite(lp.recon) || !isfinite(lp.kl)) {
            ffvae_error("%s: training diverged: the loss is %s at step %ld", t->o->run_dir,
                        isnan(lp.recon + lp.kl) ? "NaN" : "infinite", s->step + 1);
            if (t->saved_step >= 0)
                ffvae_error("%s: the last good checkpoint (step %ld) is kept", t->paths.checkpoint,
                            t->saved_step);
            return -1;
        }

        s->step++;
        s->epoch = (double)s->step / (double)t->steps_per_epoch;
        s->seconds += now_seconds() - t0;
        s->pending[PENDING_LOSS] += (lp.recon + lp.kl) / B;
        s->pending[PENDING_RECON] += lp.recon / B;
        s->pending[PENDING_KL] += lp.kl / B;
        s->pending[PENDING_STEPS] += 1;
        s->pending[PENDING_FFL] += lp.ffl / B;
        int interval_done = s->step % c->log_every == 0;
        if ((interval_done || s->step == s->target_steps) && emit_log_row(t, interval_done) != 0)
            return -1;
        if (s->step % c->checkpoint_every == 0 || s->step == s->target_steps) {
            if (dist_rank() == 0 && checkpoint_save(t->paths.checkpoint, m, s) != 0)
                return -1;
            t->saved_step = s->step;
        }
        if (s->step % DIST_CHECK_EVERY == 0 && dist_check_state(m, s) != 0)
            return -1;
        if (report_is_live(t->o->report) &&
            (now_seconds() - last_shown > 0.25 || s->step == s->target_steps)) {
            last_shown = now_seconds();
            double ips = (double)(s->step - steps_at_start) * B / (s->seconds - seconds_at_start);
            show_progress(t, ips, &lp);
        }
        if (stop_all)
            break;
    }
    report_status_end(t->o->report);
    double wall = now_seconds() - segment_start;
    long done = s->step - steps_at_start;
    if (dist_active() ? stop_all : stop_requested(t->o->stop)) {
        if (dist_rank() == 0 && checkpoint_save(t->paths.checkpoint, m, s) != 0)
            return -1;
        /* Through the error path: the run ends with a non-zero status, and
         * this says why and how to continue. */
        const char *hint = t->o->resume_hint ? t->o->resume_hint : "continue with --resume";
        ffvae_error("interrupted at step %ld; checkpoint saved in %s (%s)", s->step,
                    t->paths.checkpoint, hint);
        return TRAIN_INTERRUPTED;
    }
    report_line(t->o->report, "trained %ld steps in %.1fs (%.0f images/s); run in %s", done, wall,
                wall > 0 ? (double)done * B / wall : 0.0, t->o->run_dir);
    return 0;
}

int train_run(const TrainOptions *o)
{
    Dataset ds;
    Model m;
    TrainState s;
    Trainer t;
    memset(&t, 0, sizeof t);
    t.o = o;
    t.order_epoch = -1;
    t.saved_step = -1;
    if (run_paths(&t.paths, o->run_dir) != 0 || dataset_load(&ds, o->data_path) != 0)
        return -1;
    int rc = o->resume ? resume_run(o, &t.paths, &ds, &m, &s) : start_run(o, &t.paths, &ds, &m, &s);
    if (rc != 0) {
        dataset_free(&ds);
        return -1;
    }
    const ModelConfig *c = &m.cfg;
    t.m = &m;
    t.s = &s;
    t.ds = &ds;
    t.steps_per_epoch = ds.train.n / c->batch;
    if (o->resume)
        t.saved_step = s.step;
    if (o->steps > 0)
        s.target_steps = o->steps;
    else if (o->epochs > 0)
        s.target_steps = (long)ceil(o->epochs * (double)t.steps_per_epoch);
    else if (!o->resume)
        s.target_steps = t.steps_per_epoch; /* one epoch by default */
    int threads_ok = threads_use(o->threads) >= 0;

    t.batch = checked_malloc((size_t)c->batch, (size_t)m.P * m.C, "batch images");
    t.order = checked_malloc((size_t)ds.train.n, sizeof(int32_t), "data order");
    rc = (!threads_ok || !t.batch || !t.order) ? -1 : 0;
    /* Free bits floor each dimension's KL averaged over the batch; an MPI job's
     * backward sees one chunk at a time, so the floor would act per chunk. */
    if (rc == 0 && dist_active() && c->free_bits > 0) {
        ffvae_error("%s: free_bits %g: not supported in an MPI job (the floor is on the "
                    "batch-mean KL, and each rank's backward sees only its chunks)",
                    c->name, c->free_bits);
        rc = -1;
    }
    /* An MPI job: every rank takes rank 0's model and state (no-ops otherwise). */
    if (rc == 0)
        rc = dist_step_create(&t.dist, &m);
    if (rc == 0)
        rc = dist_start(&m, &s, &ds);
    int step_images = dist_active() ? t.dist.chunk : c->batch; /* what one pass holds */
    if (rc == 0)
        rc = workspace_create(&t.ws, &m, step_images, c->pixels, m.H, m.W);
    if (rc == 0)
        rc = model_prepare_step(&m, &t.ws, step_images);
    /* The run directory appears only now that model, data and options are
     * accepted; a run starting or resuming there clears dead runs' temp files.
     * Rank 0 alone writes the run directory. */
    if (rc == 0 && dist_rank() == 0 && !o->resume)
        rc = make_dirs(o->run_dir);
    if (rc == 0 && dist_rank() == 0 && remove_stale_temps(o->run_dir) < 0)
        rc = -1;
    if (rc == 0 && dist_rank() == 0)
        rc = config_write_file(c, t.paths.config);
    if (rc == 0 && dist_rank() == 0 && !(t.log = open_log(t.paths.log, &s)))
        rc = -1;
    if (rc == 0) {
        report_line(o->report,
                    "training %s on %s (%d images): %zu parameters, batch %d, steps %ld to %ld",
                    c->name, o->data_path, ds.train.n, model_param_count(&m), c->batch, s.step,
                    s.target_steps);
        if (dist_active())
            report_line(o->report,
                        "data-parallel over %d ranks: %d images each per step, reduce = %s in "
                        "chunks of %d images",
                        dist_size(), t.dist.b_local, c->reduce == REDUCE_EXACT ? "exact" : "fast",
                        t.dist.chunk);
        stop_arm(o->stop);
        rc = train_loop(&t);
        stop_disarm(o->stop);
        /* The steps are over: what follows (another run's start, a compare's
         * evaluation on rank 0) is not watched until the next step. */
        dist_heartbeat(NULL);
    }
    if (t.log && fclose(t.log) != 0) {
        ffvae_error("%s: cannot write: %s", t.paths.log, strerror(errno));
        if (rc == 0)
            rc = -1;
    }
    workspace_free(&t.ws);
    dist_step_free(&t.dist);
    free(t.batch);
    free(t.order);
    train_state_free(&s);
    model_free(&m);
    dataset_free(&ds);
    return rc;
}
