/* sgemm_backend_bench.c - the measurement behind "fp32 stays on OpenBLAS"
 * (README, bf16 mixed precision): one fp32 product of the hidden layer's
 * shape, as one thread of ffvae's pool runs it (its share of the rows, one
 * thread per call), through OpenBLAS's cblas_sgemm and through oneDNN's fp32
 * matmul, alternating, best of 4 timed calls after a warm-up, 3 rounds.
 * Not part of make check (a timing, not a test). Build and run:
 *   gcc -O2 tests/sgemm_backend_bench.c -o sgemm_backend_bench -lopenblas -ldnnl
 *   OMP_NUM_THREADS=1 ./sgemm_backend_bench ROWS OUT IN PRODUCT
 * (OMP_NUM_THREADS=1: Debian's oneDNN runs on OpenMP, which reads it at load.)
 * PRODUCT 0 is the forward y[ROWS,OUT] = x[ROWS,IN] W[IN,OUT]; 1 is dx, the
 * same with W read transposed (stored [OUT,IN]); 2 is dW, with x read
 * transposed (stored [IN,ROWS]). Run two at once to load both cores as a
 * training step does. */
#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DNNL_CHECK(call)                                                     \
    do {                                                                     \
        if ((call) != dnnl_success) {                                        \
            fprintf(stderr, "sgemm_backend_bench: %s failed\n", #call);      \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *filled(size_t n, int period)
{
    float *p = malloc(n * sizeof *p);
    if (!p) {
        fprintf(stderr, "sgemm_backend_bench: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        p[i] = 0.1f * (float)(i % (size_t)period);
    return p;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: sgemm_backend_bench ROWS OUT IN PRODUCT(0 fwd, 1 dx, 2 dW)\n");
        return 2;
    }
    const long m = atol(argv[1]), n = atol(argv[2]), k = atol(argv[3]);
    const int product = atoi(argv[4]);
    if (m <= 0 || n <= 0 || k <= 0 || product < 0 || product > 2) {
        fprintf(stderr, "sgemm_backend_bench: ROWS, OUT, IN > 0 and PRODUCT 0..2\n");
        return 2;
    }
    openblas_set_num_threads(1);
    float *a = filled((size_t)(m * k), 7), *b = filled((size_t)(k * n), 5);
    float *c = filled((size_t)(m * n), 1);

    /* oneDNN sees the same row-major buffers through strides: a transposed
     * operand is the same memory with its two strides swapped. */
    dnnl_dims_t a_dims = {m, k}, b_dims = {k, n}, c_dims = {m, n};
    dnnl_dims_t a_strides = {k, 1}, b_strides = {n, 1}, c_strides = {n, 1};
    if (product == 1) { b_strides[0] = 1; b_strides[1] = k; }
    if (product == 2) { a_strides[0] = 1; a_strides[1] = m; }
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    DNNL_CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
    DNNL_CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));
    dnnl_memory_desc_t a_md, b_md, c_md;
    DNNL_CHECK(dnnl_memory_desc_init_by_strides(&a_md, 2, a_dims, dnnl_f32, a_strides));
    DNNL_CHECK(dnnl_memory_desc_init_by_strides(&b_md, 2, b_dims, dnnl_f32, b_strides));
    DNNL_CHECK(dnnl_memory_desc_init_by_strides(&c_md, 2, c_dims, dnnl_f32, c_strides));
    dnnl_matmul_desc_t matmul;
    DNNL_CHECK(dnnl_matmul_desc_init(&matmul, &a_md, &b_md, NULL, &c_md));
    dnnl_primitive_desc_t pd;
    DNNL_CHECK(dnnl_primitive_desc_create(&pd, &matmul, NULL, engine, NULL));
    const char *kernel = "?";
    DNNL_CHECK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &kernel));
    dnnl_primitive_t primitive;
    DNNL_CHECK(dnnl_primitive_create(&primitive, pd));
    dnnl_memory_t a_mem, b_mem, c_mem;
    DNNL_CHECK(dnnl_memory_create(&a_mem, &a_md, engine, a));
    DNNL_CHECK(dnnl_memory_create(&b_mem, &b_md, engine, b));
    DNNL_CHECK(dnnl_memory_create(&c_mem, &c_md, engine, c));
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem},
                               {DNNL_ARG_DST, c_mem}};

    const double flop = 2.0 * (double)m * (double)n * (double)k;
    for (int round = 0; round < 3; round++) {
        double best_openblas = 0, best_onednn = 0;
        for (int call = 0; call < 5; call++) {       /* call 0 warms up */
            double t = seconds_now();
            if (product == 0)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
            else if (product == 1)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1, a, k, b, k, 0, c, n);
            else
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, n, k, 1, a, m, b, n, 0, c, n);
            double rate = flop / (seconds_now() - t) * 1e-9;
            if (call > 0 && rate > best_openblas)
                best_openblas = rate;
        }
        for (int call = 0; call < 5; call++) {
            double t = seconds_now();
            DNNL_CHECK(dnnl_primitive_execute(primitive, stream, 3, args));
            DNNL_CHECK(dnnl_stream_wait(stream));
            double rate = flop / (seconds_now() - t) * 1e-9;
            if (call > 0 && rate > best_onednn)
                best_onednn = rate;
        }
        printf("[%ld, %ld]x[%ld, %ld] product %d: OpenBLAS %.1f, oneDNN (%s) %.1f GFLOP/s\n",
               m, k, k, n, product, best_openblas, kernel, best_onednn);
    }
    dnnl_primitive_destroy(primitive);
    dnnl_primitive_desc_destroy(pd);
    dnnl_memory_destroy(a_mem);
    dnnl_memory_destroy(b_mem);
    dnnl_memory_destroy(c_mem);
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(engine);
    free(a);
    free(b);
    free(c);
    return 0;
}
