/* bench.h - training throughput of a model against the machine's SGEMM
 * ceiling, measured in the same run on synthetic data of the model's geometry
 * (`ffvae bench`). Speed is measured here, never asserted in a test.
 *
 * In an MPI job (mpirun) every rank runs the data-parallel step of train
 * (dist_train.h: its share of the batch in chunks, one reduction per step):
 * images/s is the job's (the global batch per step), GFLOP/s and the ceiling
 * are each rank's (its share's products; the ceiling at a chunk's shape,
 * measured by every rank at once, as they would contend while training), and
 * the step splits into compute and reduction time (the latter includes the
 * wait for the slowest rank). */
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
    double sgemm_gflops;            /* the ceiling at the hidden layer's shape (a conv decoder's
                                     * largest im2col product), same threads and precision:
                                     * cblas_sgemm (fp32), oneDNN's matmul (bf16) */
    int ceiling_m, ceiling_n, ceiling_k; /* that product, [M, K]·[K, N] */
    double peak_rss_mib;            /* the process's peak, before any sampling */
    double sample_images_per_s;     /* 256 prior draws at the training size (with sample) */
    double render_1024_s;           /* one 1024×1024 render, coordinate decoders (with sample) */
    /* an MPI job (ranks > 0); all 0 otherwise */
    int ranks, share, chunk, exact; /* share: images per rank per step, in chunks of chunk */
    double compute_ms, reduce_ms;   /* rank 0's mean per step */
    double compute_ms_slowest;      /* the slowest rank's mean compute per step */
} BenchResult;

/* Runs the benchmark of cfg (its batch as given); 0, or -1 after reporting. */
int bench_run(BenchResult *res, const ModelConfig *cfg, const BenchOptions *o);

#endif
