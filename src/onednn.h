/* onednn.h - bf16 matrix products through oneDNN's matmul primitive (public C
 * API only), and whether bf16 training can run here at all.
 *
 * Threading: ffvae's pool stays in charge of the cores. A product is split by
 * rows of its output over the pool's parts exactly like an OpenBLAS one
 * (layers.c), and each part runs a oneDNN call limited to one OpenMP thread
 * (omp_set_num_threads(1) on that thread), so oneDNN never starts an OpenMP
 * team whose spinning threads would compete with the pool (README,
 * Performance, has the measurement behind this).
 *
 * Each part's primitive is made for the exact rows of its slice, not with the
 * rows left to run time: oneDNN 2.6 gives a run-time M its plain JIT GEMM and
 * a known M its faster brgemm kernels (README, bf16 section). A GemmCache
 * holds, per product shape and per part, that primitive and the memory
 * objects of the part's slice: made on the shape's first call, reused after.
 * Training makes every one before its first step (model_prepare_step), so no
 * step creates any. */
#ifndef FFVAE_ONEDNN_H
#define FFVAE_ONEDNN_H

#include <stddef.h>
#include <stdint.h>

/* 0 when `precision = bf16` can run here; otherwise -1 after saying why, once:
 * a build without oneDNN (names libdnnl-dev), or a CPU without AVX512-BF16
 * (refused: oneDNN would emulate bf16 products at a fraction of the speed). */
int bf16_check(const char *who);
/* 1 when bf16_check would pass, without a message. */
int bf16_usable(void);
/* NULL when bf16 can run here, else why not (one sentence). */
const char *bf16_unusable_reason(void);

typedef struct GemmCache GemmCache;

/* An empty cache (NULL after reporting). Freed with gemm_cache_free. */
GemmCache *gemm_cache_create(void);
void gemm_cache_free(GemmCache *g);

/* C[M, N] = A[M, K] · B[K, N] (+ bias[N]) (+ C when accumulate), with A and B
 * bf16 read through element strides (a row-major matrix has strides {cols, 1},
 * its transpose {1, cols}), C fp32 row-major. Split by rows of C over the pool.
 * With c_bf16 set, C is written there in bf16 instead (rounded to nearest
 * even), and with relu, C = max(0, A·B + bias): oneDNN's post-op, so a hidden
 * layer's activation needs no pass of its own over an fp32 copy. */
typedef struct {
    const uint16_t *a;
    long a_rs, a_cs;  /* A's row and column strides, in elements */
    const uint16_t *b;
    long b_rs, b_cs;
    float *c;         /* [M, N], row-major */
    uint16_t *c_bf16; /* or C in bf16 (then c is unused) */
    const float *bias; /* [N] or NULL */
    int M, N, K;
    int accumulate;   /* 1: C += A·B (fp32 C only) */
    int relu;         /* 1: C = max(0, ·) after the bias */
} GemmArgs;

/* Runs the product; 0, or -1 after reporting (a primitive oneDNN refused). */
int gemm_bf16(GemmCache *g, const GemmArgs *a);
/* How many primitives and memory objects the cache has made so far (a test
 * checks that a training step makes none once the workspace is prepared). */
long gemm_cache_creations(const GemmCache *g);

/* The ceiling `ffvae bench` reports for bf16: GFLOP/s of one oneDNN bf16
 * matmul C[M, N] = A[M, K]·B[K, N] (fp32 C) on `threads` OpenMP threads of its
 * own, best of 5 after a warm-up; 0 (after reporting) when it cannot run. */
double gemm_bf16_ceiling(int M, int N, int K, int threads);

#endif
