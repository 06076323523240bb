/* bench.h - training throughput of a model against the machine's SGEMM
 * ceiling, measured in the same run on synthetic data of the model's geometry
 * (`ffvae bench`). Speed is measured here, never asserted in a test. */
#ifndef FFVAE_BENCH_H
#define FFVAE_BENCH_H

#include "model_config.h"

typedef struct {
    long steps;    /* timed steps, after 3 warm-up steps */
    int threads;   /* 0: OpenBLAS's default */
    int sample;    /* also time sampling */
} BenchOptions;

typedef struct {
    int batch, threads, pixels;     /* pixels: rows per image per step */
    size_t parameters;
    double images_per_s, ms_per_step;
    double train_gflops;            /* 2·M·N·K of every matrix product of a step, per second */
    int bf16;                       /* the model's precision is bf16 */
    double sgemm_gflops;            /* the ceiling at the hidden layer's shape, same threads and
                                     * precision: cblas_sgemm (fp32), oneDNN's matmul (bf16) */
    int gemm_rows;                  /* M of that shape: [M, W] × [W, W] */
    double peak_rss_mib;            /* the process's peak, before any sampling */
    double sample_images_per_s;     /* 256 prior draws at the training size (with sample) */
    double render_1024_s;           /* one 1024×1024 render, coordinate decoders (with sample) */
} BenchResult;

/* Runs the benchmark of cfg (its batch as given); 0, or -1 after reporting. */
int bench_run(BenchResult *res, const ModelConfig *cfg, const BenchOptions *o);

#endif
