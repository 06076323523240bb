/* fit.c - fitting one image with a coordinate network (see fit.h): the
 * protocol's split, the noise image, and the optimisation loop. */
#include "fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "dist_train.h"
#include "distributed.h"
#include "encoding.h"
#include "measures.h"
#include "model.h"
#include "render.h"
#include "train.h"
#include "util.h"
#include "workspace.h"

/* Streams derived from the seed: weights and frequencies, and noise images. */
enum { STREAM_FIT_INIT = 1, STREAM_NOISE = 21 };

void fit_split(int32_t *train, int *n_train, int32_t *test, int *n_test, int H, int W,
               int holdout)
{
    int a = 0, b = 0;
    for (int i = 0; i < H; i++)
        for (int j = 0; j < W; j++) {
            int32_t p = (int32_t)i * W + j;
            if (fit_is_train_pixel(i, j, holdout))
                train[a++] = p;
            else
                test[b++] = p;
        }
    *n_train = a;
    *n_test = b;
}

void fit_noise_image(uint8_t *img, int S, int C, uint64_t seed)
{
    Rng r;
    rng_seed(&r, seed, STREAM_NOISE);
    size_t n = (size_t)S * (size_t)S * (size_t)C;
    for (size_t i = 0; i < n; i++)
        img[i] = (uint8_t)rng_below(&r, 256);
}

int fit_prepare_config(ModelConfig *cfg, const char *origin, int H, int W, int C)
{
    if (cfg->decoder != DECODER_COORD) {
        ffvae_error("%s: fit needs a coordinate decoder ([decoder] kind = coord), not dense",
                    origin);
        return -1;
    }
    if (cfg->latent != 0) {
        ffvae_error("%s: fit needs a model without a latent ([latent] size = 0), not size %d",
                    origin, cfg->latent);
        return -1;
    }
    cfg->height = H;
    cfg->width = W;
    cfg->channels = C;
    cfg->batch = 1;
    cfg->pixels = 0;
    /* −log N(t; μ, σ²) with σ² = ½ is (t − μ)² + const: the squared error. */
    cfg->likelihood = LIKELIHOOD_GAUSSIAN;
    cfg->sigma = sqrtf(0.5f);
    cfg->sigma_learned = 0; /* the protocol's fixed σ² = ½, whatever the file said */
    return 0;
}

/* Frequencies from the training pixels only: with holdout, the 'spectrum'
 * encoding sees the even-row, even-column subimage (frequencies in cycles per
 * unit length, so the same units at half the resolution). */
static int init_frequencies(Model *m, const uint8_t *image, int holdout, Rng *r)
{
    if (m->cfg.encoding != ENCODING_SPECTRUM || !holdout)
        return model_init_frequencies(m, image, 1, r);
    int H = m->H, W = m->W, C = m->C, Hs = (H + 1) / 2, Ws = (W + 1) / 2;
    uint8_t *sub = checked_malloc((size_t)Hs * Ws, (size_t)C, "training subimage");
    double *power = checked_malloc((size_t)Hs * Ws, sizeof(double), "power spectrum");
    int rc = sub && power ? 0 : -1;
    if (rc == 0) {
        for (int i = 0; i < Hs; i++)
            for (int j = 0; j < Ws; j++)
                memcpy(sub + ((size_t)i * Ws + j) * C, image + ((size_t)2 * i * W + 2 * j) * C,
                       (size_t)C);
        rc = mean_power_spectrum(power, sub, 1, Hs, Ws, C);
    }
    if (rc == 0)
        rc = spectrum_frequencies(m->freqs, m->F, power, Hs, Ws, r);
    free(sub);
    free(power);
    return rc;
}

/* Mean squared error of the rendered image over the pixels idx[n]. */
static double mse_over(const float *img, const uint8_t *truth, const int32_t *idx, int n, int C)
{
    double s = 0;
    for (int k = 0; k < n; k++)
        for (int c = 0; c < C; c++) {
            size_t i = (size_t)idx[k] * C + c;
            double d = (double)img[i] - (double)truth[i] * (1.0 / 255.0);
            s += d * d;
        }
    return n > 0 ? s / ((double)n * C) : NAN;
}

typedef struct {
    const uint8_t *image;
    const int32_t *train, *test;
    int n_train, n_test;
    float *out; /* [H, W, C] */
} Evaluation;

/* Renders the model's image and scores it on both pixel sets. */
static int evaluate(const Model *m, const Evaluation *e, double *train_psnr, double *test_psnr)
{
    if (render_mean_images(e->out, m, NULL, 1, m->H, m->W) != 0)
        return -1;
    *train_psnr = psnr_db(mse_over(e->out, e->image, e->train, e->n_train, m->C));
    *test_psnr = e->n_test > 0 ? psnr_db(mse_over(e->out, e->image, e->test, e->n_test, m->C))
                               : NAN;
    return 0;
}

static void curve_row(FILE *f, long step, double train, double test, double seconds)
{
    if (!f)
        return;
    fprintf(f, "%ld,%.4f,", step, train);
    if (isfinite(test) || isinf(test))
        fprintf(f, "%.4f", test);
    fprintf(f, ",%.3f\n", seconds);
}

static double frequency_power(const Model *m)
{
    double s = 0;
    for (int f = 0; f < 2 * m->F; f++)
        s += (double)m->freqs[f] * m->freqs[f];
    return s;
}

/* An MPI job's split of the training pixels (fit.h): chunk k is pixels
 * [k·FIT_CHUNK_PIXELS, ...) of the n training ones; this rank's are local
 * chunks from first. */
typedef struct {
    DistStep step;
    int n, n_chunks, first, local;
    const float *v;       /* [n, 2] the training coordinates */
    const float *targets; /* [n, C] their values */
} FitChunks;

static int fit_chunks_create(FitChunks *fc, const Model *m, const char *name, int n,
                             const float *v, const float *targets)
{
    memset(fc, 0, sizeof *fc);
    int N = dist_size(), r = dist_rank();
    fc->n = n;
    fc->v = v;
    fc->targets = targets;
    fc->n_chunks = (n + FIT_CHUNK_PIXELS - 1) / FIT_CHUNK_PIXELS;
    if (N > fc->n_chunks) {
        ffvae_error("%s: the image's %d training pixels make %d chunk%s of %d, fewer than the "
                    "%d ranks (use -np %d or fewer, or a larger image)",
                    name, n, fc->n_chunks, fc->n_chunks == 1 ? "" : "s", FIT_CHUNK_PIXELS, N,
                    fc->n_chunks);
        return -1;
    }
    fc->first = (int)((long)r * fc->n_chunks / N);
    fc->local = (int)((long)(r + 1) * fc->n_chunks / N) - fc->first;
    return dist_step_create_chunks(&fc->step, m, fc->n_chunks, fc->first, fc->local);
}

/* Makes the workspace decode chunk k (its coordinates and targets). */
static int fit_chunk_load(const FitChunks *fc, Workspace *ws, const Model *m, int k)
{
    int begin = k * FIT_CHUNK_PIXELS, end = begin + FIT_CHUNK_PIXELS;
    if (end > fc->n)
        end = fc->n;
    if (workspace_set_coords(ws, m, fc->v + 2 * (size_t)begin, end - begin) != 0)
        return -1;
    memcpy(ws->x, fc->targets + (size_t)begin * m->C, (size_t)(end - begin) * m->C * sizeof(float));
    return 0;
}

/* One data-parallel step (fit.h): this rank's chunks, one reduction, Adam. */
static LossParts fit_dist_step(FitChunks *fc, Model *m, Workspace *ws, LossScale scale,
                               const AdamSettings *adam, long t, int *status)
{
    dist_step_begin(&fc->step, m, NULL); /* no latent, every pixel: nothing random */
    for (int k = 0; k < fc->local; k++) {
        /* With one chunk per rank the workspace keeps it from step to step. */
        if (fc->local > 1 && fit_chunk_load(fc, ws, m, fc->first + k) != 0)
            dist_abort(1); /* reported; the other ranks wait in the reduction */
        LossParts lp = model_forward(m, ws, 1, NULL);
        if (!dist_chunk_forward_done(&fc->step, m, lp))
            continue;
        model_backward(m, ws, 1, scale.recon, scale.kl);
        dist_chunk_backward_done(&fc->step, m, lp, fc->first + k);
    }
    int stop_all;
    return dist_step_finish(&fc->step, m, adam, t, 0, &stop_all, status);
}

/* Every rank checks that it fits the same image with the same model and
 * settings as rank 0, then takes rank 0's initial parameters. */
static int fit_dist_start(Model *m, const uint8_t *image, const FitSettings *s)
{
    if (!dist_active())
        return 0;
    if (dist_agree_config(&m->cfg) != 0)
        return -1;
    int64_t run[4] = {s->steps, (int64_t)s->seed, s->holdout, (int64_t)m->P * m->C};
    uint64_t h = dist_hash(0, run, sizeof run);
    h = dist_hash(h, image, (size_t)m->P * m->C);
    if (dist_agree(h, "the image or the fit's settings (--steps, --seed, --holdout)") != 0)
        return -1;
    dist_bcast(m->params, m->table.total * sizeof(float));
    dist_bcast(m->freqs, (size_t)(m->F ? m->F * 2 : 1) * sizeof(float));
    return 0;
}

int fit_image(FitResult *res, Model *m, const ModelConfig *cfg, const uint8_t *image, int H,
              int W, int C, const FitSettings *s, float *fitted)
{
    memset(res, 0, sizeof *res);
    if (cfg->height != H || cfg->width != W || cfg->channels != C || cfg->latent != 0) {
        ffvae_error("%s: not prepared for a %dx%dx%d image", s->name, H, W, C);
        return -1;
    }
    if (model_create(m, cfg) != 0)
        return -1;
    size_t P = (size_t)H * W;
    int32_t *train = checked_malloc(P, sizeof(int32_t), "train pixels");
    int32_t *test = checked_malloc(P, sizeof(int32_t), "test pixels");
    float *v = checked_malloc(P, 2 * sizeof(float), "coordinates");
    float *out = fitted ? fitted : checked_malloc(P, (size_t)C * sizeof(float), "fitted image");
    Workspace ws;
    memset(&ws, 0, sizeof ws);
    FitChunks fc;
    memset(&fc, 0, sizeof fc);
    float *targets = NULL; /* [n_train, C] an MPI job's chunks copy their targets from here */
    int rc = train && test && v && out ? 0 : -1;
    Rng init;
    rng_seed(&init, s->seed, STREAM_FIT_INIT);
    if (rc == 0)
        rc = init_frequencies(m, image, s->holdout, &init);
    if (rc == 0) {
        model_init_params(m, &init);
        fit_split(train, &res->n_train, test, &res->n_test, H, W, s->holdout);
        /* The workspace decodes exactly the training coordinates, as one row. */
        for (int k = 0; k < res->n_train; k++) {
            int i = train[k] / W, j = train[k] % W;
            v[2 * k] = ((float)j + 0.5f) / (float)W;
            v[2 * k + 1] = ((float)i + 0.5f) / (float)H;
        }
        rc = fit_dist_start(m, image, s);
    }
    if (rc == 0 && !dist_active()) {
        rc = workspace_create(&ws, m, 1, 0, 1, res->n_train);
        if (rc == 0)
            rc = workspace_set_coords(&ws, m, v, res->n_train);
        if (rc != 0)
            goto done;
        for (int k = 0; k < res->n_train; k++)
            for (int c = 0; c < C; c++)
                ws.x[(size_t)k * C + c] = (float)image[(size_t)train[k] * C + c] * (1.0f / 255.0f);
        if (model_prepare_step(m, &ws, 1) != 0) {
            rc = -1;
            goto done;
        }
    } else if (rc == 0) {
        /* An MPI job: the workspace holds one chunk at a time. */
        targets = checked_malloc((size_t)res->n_train, (size_t)C * sizeof(float), "targets");
        rc = targets ? 0 : -1;
        for (int k = 0; rc == 0 && k < res->n_train; k++)
            for (int c = 0; c < C; c++)
                targets[(size_t)k * C + c] =
                    (float)image[(size_t)train[k] * C + c] * (1.0f / 255.0f);
        if (rc == 0)
            rc = fit_chunks_create(&fc, m, s->name, res->n_train, v, targets);
        int rows = res->n_train < FIT_CHUNK_PIXELS ? res->n_train : FIT_CHUNK_PIXELS;
        if (rc == 0)
            rc = workspace_create(&ws, m, 1, 0, 1, rows);
        if (rc == 0 && fc.local > 0)
            rc = fit_chunk_load(&fc, &ws, m, fc.first);
        if (rc == 0)
            report_line(s->report,
                        "%s: data-parallel over %d rank%s: %d training pixels in %d chunk%s of "
                        "%d, reduce = %s",
                        s->name, dist_size(), dist_size() == 1 ? "" : "s", res->n_train,
                        fc.n_chunks, fc.n_chunks == 1 ? "" : "s", FIT_CHUNK_PIXELS,
                        cfg->reduce == REDUCE_EXACT ? "exact" : "fast");
    }
    if (rc != 0)
        goto done;

    Evaluation e = {image, train, test, res->n_train, res->n_test, out};
    AdamSettings adam = adam_settings(cfg);
    /* Gaussian backward with σ² = ½ gives 2(μ − t)μ(1 − μ)·scale: scale 1/n
     * makes it the gradient of the mean squared error over the n values.
     * There is no latent, so no KL. */
    LossScale mse = {1.0f / ((float)res->n_train * (float)C), 0.0f};
    double shown = 0;
    if (evaluate(m, &e, &res->train_psnr, &res->test_psnr) != 0) {
        rc = -1;
        goto done;
    }
    curve_row(s->curve, 0, res->train_psnr, res->test_psnr, 0);
    for (long t = 1; t <= s->steps; t++) {
        double t0 = now_seconds();
        LossParts lp;
        if (dist_active()) {
            int status;
            lp = fit_dist_step(&fc, m, &ws, mse, &adam, t, &status);
            if (status != 0) {
                rc = -1;
                goto done;
            }
        } else {
            /* One image of every training pixel and no latent: nothing to draw. */
            lp = train_step_scaled(m, &ws, 1, mse, &adam, t, NULL);
        }
        if (!isfinite(lp.recon) || !isfinite(lp.kl)) {
            ffvae_error("%s: fitting diverged: the loss is not finite at step %ld", s->name, t);
            rc = -1;
            goto done;
        }
        res->seconds += now_seconds() - t0;
        if ((s->curve_every > 0 && t % s->curve_every == 0) || t == s->steps) {
            if (evaluate(m, &e, &res->train_psnr, &res->test_psnr) != 0) {
                rc = -1;
                goto done;
            }
            curve_row(s->curve, t, res->train_psnr, res->test_psnr, res->seconds);
        }
        if (report_is_live(s->report) && (now_seconds() - shown > 0.25 || t == s->steps)) {
            shown = now_seconds();
            report_status(s->report, "%s: step %ld/%ld  %.1f steps/s  ", s->name, t, s->steps,
                          (double)t / res->seconds);
        }
    }
    report_status_end(s->report);
    res->freq_power = frequency_power(m);
    if (dist_active())
        res->param_hash = dist_hash(0, m->params, m->table.total * sizeof(float));
done:
    /* The steps are over: what follows (rank 0 writing images) is not watched. */
    dist_heartbeat(NULL);
    dist_step_free(&fc.step);
    free(targets);
    workspace_free(&ws);
    free(train);
    free(test);
    free(v);
    if (!fitted)
        free(out);
    if (rc != 0)
        model_free(m);
    return rc;
}
