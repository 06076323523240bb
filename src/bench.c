/* bench.c - the training-throughput benchmark (bench.h). */
#include "bench.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "dist_train.h"
#include "distributed.h"
#include "latent.h"
#include "model.h"
#include "onednn.h"
#include "parallel.h"
#include "render.h"
#include "train.h"
#include "util.h"
#include "workspace.h"

/* GFLOP/s of C[M, N] = A[M, K]·B[K, N] in fp32 (OpenBLAS), best of a few timed repetitions. */
static double sgemm_gflops(int M, int N, int K)
{
    float *a = checked_malloc((size_t)M * K, sizeof(float), "sgemm A");
    float *b = checked_malloc((size_t)K * N, sizeof(float), "sgemm B");
    float *c = checked_malloc((size_t)M * N, sizeof(float), "sgemm C");
    double best = 0;
    if (a && b && c) {
        for (size_t i = 0; i < (size_t)M * K; i++)
            a[i] = (float)(i % 7) * 0.1f;
        for (size_t i = 0; i < (size_t)K * N; i++)
            b[i] = (float)(i % 5) * 0.1f;
        for (int rep = 0; rep < 6; rep++) {
            double t0 = now_seconds();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, a, K, b, N, 0.0f,
                        c, N);
            double dt = now_seconds() - t0;
            double g = 2.0 * M * N * K / dt * 1e-9;
            if (rep > 0 && g > best) /* the first call warms caches and threads */
                best = g;
        }
    }
    free(a);
    free(b);
    free(c);
    return best;
}

/* The product the ceiling is measured at, [M, K]·[K, N]: a coordinate or
 * dense decoder's hidden layer, [rows, width]·[width, width] (rows: every
 * pixel, or `pixels` per image, of each image); a conv decoder's transposed
 * convolution with the most FLOPs, whose im2col product is
 * [B·h·w, c]·[c, k·k·C] (conv.h), since its hidden layers are not square. */
static int ceiling_shape(const ModelConfig *cfg, int rows_of, int *M, int *N, int *K)
{
    *M = cfg->decoder == DECODER_COORD
             ? rows_of * (cfg->pixels ? cfg->pixels : cfg->height * cfg->width)
             : rows_of;
    *N = *K = cfg->net_width;
    if (cfg->decoder != DECODER_CONV)
        return 0;
    /* A throwaway model: model_create is where the conv shapes are derived,
     * and the ceiling runs before the measured model exists, so that the
     * peak RSS never holds the ceiling's buffers and the training's at once. */
    Model m;
    if (model_create(&m, cfg) != 0)
        return -1;
    double most = 0;
    for (int j = 0; j < cfg->net_depth; j++) {
        const ConvShape *s = &m.dec_conv[j];
        double flops = (double)s->h * s->w * s->c * s->k * s->k * s->C;
        if (flops > most) {
            most = flops;
            *M = rows_of * s->h * s->w;
            *K = s->c;
            *N = s->k * s->k * s->C;
        }
    }
    model_free(&m);
    return 0;
}

/* Decoding speed: 256 prior draws at the training size, then one 1024×1024
 * render (coordinate decoders only; a dense decoder has one size). */
static int bench_sampling(const Model *m, Rng *r, double *images_per_s, double *render_s)
{
    enum { N_SAMPLES = 256, BIG = 1024 };
    size_t pixels = (size_t)N_SAMPLES * m->P > (size_t)BIG * BIG ? (size_t)N_SAMPLES * m->P
                                                                 : (size_t)BIG * BIG;
    float *z = checked_malloc(N_SAMPLES, (size_t)m->latent * sizeof(float), "latents");
    float *img = checked_malloc(pixels, (size_t)m->C * sizeof(float), "rendered images");
    int rc = (!z || !img) ? -1 : 0;
    if (rc == 0) {
        latent_sample_prior(z, N_SAMPLES, m->latent, 1.0f, r);
        double t0 = now_seconds();
        rc = render_mean_images(img, m, z, N_SAMPLES, m->H, m->W);
        *images_per_s = N_SAMPLES / (now_seconds() - t0);
    }
    if (rc == 0 && m->cfg.decoder == DECODER_COORD) {
        double t0 = now_seconds();
        rc = render_mean_images(img, m, z, 1, BIG, BIG);
        *render_s = now_seconds() - t0;
    }
    free(z);
    free(img);
    return rc;
}

/* An MPI job's timed steps (bench.h): the same start on every rank (the same
 * random images, frequencies and weights from the same stream), then train's
 * data-parallel step on this rank's share. Sampling, when asked, is rank 0's
 * alone while the others wait. Fills every result but the ceiling. */
static int bench_dist_steps(BenchResult *res, Model *m, const uint8_t *images, long steps,
                            Rng *r, int sample)
{
    const ModelConfig *c = &m->cfg;
    int B = c->batch;
    DistStep d;
    Workspace ws;
    memset(&ws, 0, sizeof ws);
    if (dist_step_create(&d, m) != 0)
        return -1;
    int rc = -1;
    if (model_init_frequencies(m, images, B, r) != 0 ||
        workspace_create(&ws, m, d.chunk, c->pixels, m->H, m->W) != 0)
        goto out;
    model_init_params(m, r);
    const uint8_t *mine = images + (size_t)dist_rank() * d.b_local * m->P * m->C;
    AdamSettings adam = adam_settings(c);
    LossScale per_image = {1.0f / B, c->beta / B};
    double compute = 0, reduce = 0, t0 = 0;
    for (long t = 1; t < 4 + steps; t++) {
        if (t == 4)
            t0 = now_seconds(); /* after 3 warm-up steps, as the single process */
        int stop_all, status;
        dist_train_step(&d, m, &ws, mine, per_image, &adam, t, r, 0, &stop_all, &status);
        if (status != 0)
            goto out;
        if (t >= 4) {
            compute += d.compute_s;
            reduce += d.reduce_s;
        }
    }
    double dt = (now_seconds() - t0) / (double)steps;
    double slowest = compute;
    dist_max_f64(&slowest, 1);
    dist_heartbeat(NULL); /* the steps are over */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    res->peak_rss_mib = (double)ru.ru_maxrss / 1024.0;
    rc = 0;
    if (sample)
        rc = dist_wait_for_root(dist_rank() == 0 ? bench_sampling(m, r, &res->sample_images_per_s,
                                                                  &res->render_1024_s)
                                                 : 0);
    res->batch = B;
    res->pixels = ws.Pb;
    res->parameters = model_param_count(m);
    res->images_per_s = B / dt;
    res->ms_per_step = dt * 1e3;
    res->train_gflops = model_step_flops(m, d.chunk, ws.Pb) * d.local_chunks / dt * 1e-9;
    res->ranks = dist_size();
    res->share = d.b_local;
    res->chunk = d.chunk;
    res->exact = d.mode == REDUCE_EXACT;
    res->compute_ms = 1e3 * compute / (double)steps;
    res->reduce_ms = 1e3 * reduce / (double)steps;
    res->compute_ms_slowest = 1e3 * slowest / (double)steps;
out:
    workspace_free(&ws);
    dist_step_free(&d);
    return rc;
}

int bench_run(BenchResult *res, const ModelConfig *config, const BenchOptions *o)
{
    memset(res, 0, sizeof *res);
    const ModelConfig cfg = *config;
    long steps = o->steps > 0 ? o->steps : 1;
    /* The ceiling is one call over T threads of the library's own (OpenBLAS's
     * SGEMM for fp32, oneDNN's bf16 matmul on OpenMP threads for bf16); ffvae's
     * steps then split every GEMM over its own T threads (threads_use). */
    int T = o->threads > 0 ? o->threads : openblas_get_num_threads();
    openblas_set_num_threads(T);
    if (dist_check_batch(&cfg) != 0 || dist_agree_config(&cfg) != 0)
        return -1;
    /* The ceiling first: its buffers are freed before the model's are made, so
     * the peak memory reported is the training step's own. */
    /* An MPI job's products are a chunk's (dist_train.h). */
    int rows_of = dist_active() ? cfg.reduce_chunk : cfg.batch, M, N, K;
    int bf16 = cfg.precision == PRECISION_BF16;
    if ((bf16 && bf16_check(cfg.name) != 0) || ceiling_shape(&cfg, rows_of, &M, &N, &K) != 0)
        return -1;
    double ceiling = bf16 ? gemm_bf16_ceiling(M, N, K, T) : sgemm_gflops(M, N, K);
    res->ceiling_m = M, res->ceiling_n = N, res->ceiling_k = K;
    if (threads_use(T) < 0)
        return -1;

    Model m;
    Workspace ws;
    if (model_create(&m, &cfg) != 0)
        return -1;
    int B = cfg.batch, rc = -1;
    Rng r;
    rng_seed(&r, 1, 0);
    uint8_t *images = checked_malloc((size_t)B, (size_t)m.P * m.C, "synthetic images");
    if (!images)
        goto out_model;
    for (size_t i = 0; i < (size_t)B * m.P * m.C; i++)
        images[i] = (uint8_t)rng_below(&r, 256);
    if (dist_active()) {
        rc = bench_dist_steps(res, &m, images, steps, &r, o->sample);
        goto out_images;
    }
    if (model_init_frequencies(&m, images, B, &r) != 0 ||
        workspace_create(&ws, &m, B, cfg.pixels, m.H, m.W) != 0)
        goto out_images;
    model_init_params(&m, &r);
    workspace_load_images(&ws, &m, images, B);

    AdamSettings adam = adam_settings(&cfg);
    for (long t = 1; t <= 3; t++)
        train_step(&m, &ws, B, cfg.beta, &adam, t, &r);
    double t0 = now_seconds();
    for (long t = 4; t < 4 + steps; t++)
        train_step(&m, &ws, B, cfg.beta, &adam, t, &r);
    double dt = (now_seconds() - t0) / (double)steps;

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    res->peak_rss_mib = (double)ru.ru_maxrss / 1024.0; /* training's peak, before sampling */
    if (o->sample && bench_sampling(&m, &r, &res->sample_images_per_s, &res->render_1024_s) != 0) {
        workspace_free(&ws);
        goto out_images;
    }
    res->batch = B;
    res->pixels = ws.Pb;
    res->parameters = model_param_count(&m);
    res->images_per_s = B / dt;
    res->ms_per_step = dt * 1e3;
    res->train_gflops = model_step_flops(&m, B, ws.Pb) / dt * 1e-9;
    rc = 0;
    workspace_free(&ws);
out_images:
    res->threads = T;
    res->sgemm_gflops = ceiling;
    res->bf16 = bf16;
    free(images);
out_model:
    model_free(&m);
    return rc;
}
