/* cmd_bench.c - `ffvae bench`: training throughput against the machine's
 * SGEMM ceiling, measured in the same run on synthetic data of the model's
 * geometry. Speed is measured here, never asserted in a test. */
#include <cblas.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "commands.h"
#include "latent.h"
#include "model.h"
#include "parallel.h"
#include "render.h"
#include "sweep.h"
#include "train.h"
#include "util.h"

const char cmd_bench_usage[] =
    "usage: ffvae bench -m MODEL.ini [--batch B] [--steps N] [--threads T] [--set KEY=V]... [--json]\n"
    "\n"
    "Times N training steps (after 3 warm-up steps) on random images of the model's\n"
    "size and prints images/s, ms/step and GFLOP/s, next to a plain cblas_sgemm of the\n"
    "decoder's hidden-layer shape [B*P, W] x [W, W] with the same threads.\n"
    "GFLOP/s counts 2*M*N*K for every matrix product of the step (forward, dx, dW).\n"
    "\n"
    "  -m, --model FILE   model definition\n"
    "      --batch B      batch size (default: the model's)\n"
    "      --steps N      timed steps (default 20)\n"
    "      --threads T    threads for GEMMs and element-wise passes (default: all cores)\n"
    "      --set KEY=V    change one key of the model (section.key or a bare key, as\n"
    "                     in 'ffvae fit --sweep'), e.g. --set width=512 --set activation=sine\n"
    "      --sample       also time sampling: images/s at the training size (256\n"
    "                     prior draws) and one 1024x1024 render (coord decoders)\n"
    "      --json         print one JSON object instead of text\n";

/* GFLOP/s of C[M, N] = A[M, K]·B[K, N], best of a few timed repetitions. */
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

int cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},   {"batch", required_argument, 0, 'b'},
        {"steps", required_argument, 0, 's'},   {"threads", required_argument, 0, 't'},
        {"json", no_argument, 0, 'j'},          {"set", required_argument, 0, 'S'},
        {"sample", no_argument, 0, 'p'},
        {0, 0, 0, 0}};
    const char *sets[32];
    int n_sets = 0;
    const char *model_path = NULL;
    long batch = 0, steps = 20, threads = 0, v;
    int json = 0, sample = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:", opts, NULL)) != -1) {
        long *dst = c == 'b' ? &batch : c == 's' ? &steps : c == 't' ? &threads : NULL;
        if (c == 'm') {
            model_path = optarg;
        } else if (c == 'S' && n_sets < 32) {
            sets[n_sets++] = optarg;
        } else if (c == 'j') {
            json = 1;
        } else if (c == 'p') {
            sample = 1;
        } else if (dst) {
            if (parse_long(optarg, &v) || v < 1 || v > 1000000) {
                ffvae_error("bench: expected a positive integer, got '%s'", optarg);
                return 2;
            }
            *dst = v;
        } else {
            fputs(cmd_bench_usage, stderr);
            return 2;
        }
    }
    if (!model_path || optind < argc) {
        ffvae_error("bench: -m MODEL is required (see 'ffvae help bench')");
        return 2;
    }
    ModelConfig cfg;
    if (config_load(&cfg, model_path) != 0)
        return 1;
    for (int i = 0; i < n_sets; i++) {
        Sweep one;
        if (sweep_parse(&one, sets[i]) != 0 || one.n != 1) {
            ffvae_error("bench: --set %s: expected KEY=VALUE", sets[i]);
            return 2;
        }
        if (config_set(&cfg, one.section, one.key, one.values[0], "--set") != 0)
            return 2;
    }
    if (batch)
        cfg.batch = (int)batch;
    /* The ceiling is OpenBLAS's own threaded SGEMM, one call over T threads;
     * ffvae's steps then split every GEMM over its own T threads (threads_use). */
    int T = threads > 0 ? (int)threads : openblas_get_num_threads();
    openblas_set_num_threads(T);
    /* The ceiling first: its buffers are freed before the model's are made, so
     * the peak memory reported is the training step's own. */
    int gemm_rows = cfg.decoder == DECODER_COORD ? cfg.batch * (cfg.pixels ? cfg.pixels
                                                                         : cfg.height * cfg.width)
                                                 : cfg.batch;
    double ceiling = sgemm_gflops(gemm_rows, cfg.net_width, cfg.net_width);
    if (threads_use(T) < 0)
        return 1;

    Model m;
    Workspace ws;
    if (model_create(&m, &cfg) != 0)
        return 1;
    int B = cfg.batch, rc = 1;
    Rng r;
    rng_seed(&r, 1, 0);
    uint8_t *images = checked_malloc((size_t)B, (size_t)m.P * m.C, "synthetic images");
    if (!images)
        goto out_model;
    for (size_t i = 0; i < (size_t)B * m.P * m.C; i++)
        images[i] = (uint8_t)rng_below(&r, 256);
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

    double flops = model_step_flops(&m, B, ws.Pb);
    double train_gflops = flops / dt * 1e-9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double peak_mib = (double)ru.ru_maxrss / 1024.0; /* training's peak, before sampling */
    double sample_ips = 0, render_s = 0;
    if (sample && bench_sampling(&m, &r, &sample_ips, &render_s) != 0) {
        workspace_free(&ws);
        goto out_images;
    }
    if (json)
        printf("{\"model\": \"%s\", \"batch\": %d, \"threads\": %d, \"images_per_s\": %.2f, "
               "\"ms_per_step\": %.3f, \"train_gflops\": %.3f, \"sgemm_gflops\": %.3f, "
               "\"efficiency\": %.4f, \"peak_rss_mib\": %.1f, \"sample_images_per_s\": %.2f, "
               "\"render_1024_s\": %.3f}\n",
               cfg.name, B, T, B / dt, dt * 1e3, train_gflops, ceiling,
               ceiling > 0 ? train_gflops / ceiling : 0.0, peak_mib, sample_ips, render_s);
    else
        printf("model: %s  batch %d  pixels/image %d  threads %d  parameters %zu\n"
               "train: %.1f img/s  %.2f ms/step  %.2f GFLOP/s\n"
               "sgemm: %.2f GFLOP/s  ([%d, %d] x [%d, %d])\n"
               "efficiency: %.3f\n"
               "peak memory: %.1f MiB\n",
               cfg.name, B, ws.Pb, T, model_param_count(&m), B / dt, dt * 1e3, train_gflops,
               ceiling, gemm_rows, cfg.net_width, cfg.net_width, cfg.net_width,
               ceiling > 0 ? train_gflops / ceiling : 0.0, peak_mib);
    if (sample && !json)
        printf("sample: %.1f img/s at %dx%d; one 1024x1024 render: %.3f s\n", sample_ips, m.H,
               m.W, render_s);
    rc = 0;
    workspace_free(&ws);
out_images:
    free(images);
out_model:
    model_free(&m);
    return rc;
}
