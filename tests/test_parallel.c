/* test_parallel.c - the worker pool, and every layer pass split over threads
 * against the same pass on one thread.
 *
 * parallel_for must hand out each item exactly once, whatever the split.
 * The split passes (GEMM slices, element-wise passes, row sums) are run at
 * sizes large enough to be split three ways and compared with the one-thread
 * result: element-wise outputs must be identical, and anything that sums
 * (GEMMs, bias gradients) must agree to float rounding. */
#include "layers.h"
#include "parallel.h"
#include "rng.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the pool ------------------------------------------------------------ */

typedef struct {
    int *hits;    /* how many times each item ran */
    int parts[PARALLEL_MAX_PARTS];
} CoverJob;

static void cover_part(void *arg, size_t begin, size_t end, int part)
{
    CoverJob *j = arg;
    j->parts[part]++; /* each part writes only its own slot */
    for (size_t i = begin; i < end; i++)
        j->hits[i]++;
}

START_TEST(parallel_for_runs_every_item_once)
{
    const size_t sizes[] = {0, 1, 2, 7, 64, 1000, 100003};
    for (int T = 1; T <= 4; T++) {
        ck_assert_int_eq(threads_use(T), T);
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            size_t n = sizes[s];
            CoverJob j;
            memset(&j, 0, sizeof j);
            j.hits = calloc(n + 1, sizeof *j.hits);
            int parts = parallel_for(n, 10, cover_part, &j);
            /* split only when every part gets at least 10 items */
            ck_assert_int_eq(parts, n >= (size_t)T * 10 ? T : 1);
            for (size_t i = 0; i < n; i++)
                ck_assert_msg(j.hits[i] == 1, "T=%d n=%zu: item %zu ran %d times", T, n, i,
                              j.hits[i]);
            for (int k = 0; k < PARALLEL_MAX_PARTS; k++)
                ck_assert_int_eq(j.parts[k], (k < parts && n > 0) ? 1 : 0);
            free(j.hits);
        }
    }
    /* Many jobs in a row: no job is lost or run twice between them. */
    ck_assert_int_eq(threads_use(3), 3);
    int hits[300] = {0};
    CoverJob j = {.hits = hits};
    for (int rep = 0; rep < 2000; rep++)
        parallel_for(300, 1, cover_part, &j);
    for (int i = 0; i < 300; i++)
        ck_assert_int_eq(hits[i], 2000);
    ck_assert_int_eq(threads_use(1), 1);
}
END_TEST

/* ---- split passes against one thread -------------------------------------- */

static float *randoms(size_t n, float lo, float hi, uint64_t seed)
{
    float *x = alloc_or_fail(n, sizeof *x);
    Rng r;
    rng_seed(&r, seed, 0);
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * (float)rng_uniform(&r);
    return x;
}

static void assert_identical(const float *a, const float *b, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(a[i] == b[i], "%s: element %zu differs: %g vs %g", what, i, a[i], b[i]);
}

/* |a - b| <= tol · (1 + max |b|): sums in another order differ by rounding. */
static void assert_close_scaled(const float *a, const float *b, size_t n, double tol,
                                const char *what)
{
    double scale = 1.0;
    for (size_t i = 0; i < n; i++)
        scale = fmax(scale, fabs(b[i]));
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(fabs((double)a[i] - b[i]) <= tol * scale, "%s: element %zu: %g vs %g",
                      what, i, a[i], b[i]);
}

/* Sizes that split three ways: B·P rows of width W, and a dense layer. */
enum { B = 6, P = 1000, W = 40, IN = 24, PIX_FULL = 1200 };
#define ROWS ((size_t)B * P)
#define N_ELEM (ROWS * W)

/* The passes' inputs, the same for both runs. */
typedef struct {
    float *x, *y, *s, *bias, *pre, *dy, *saved, *W_in, *W_out, *g;
    int32_t *pix;
} Inputs;

static Inputs make_inputs(void)
{
    Inputs in;
    in.x = randoms(N_ELEM, -2, 2, 1);
    in.s = randoms((size_t)B * W, -1, 1, 2);
    in.bias = randoms(W, -1, 1, 3);
    in.pre = randoms(N_ELEM, -2, 2, 4);
    in.dy = randoms(N_ELEM, -1, 1, 5);
    in.saved = randoms(N_ELEM, -1, 1, 6);
    in.W_in = randoms((size_t)IN * W, -0.5f, 0.5f, 7);  /* [IN, W] */
    in.W_out = randoms((size_t)W * IN, -0.5f, 0.5f, 8); /* [W, IN] */
    in.g = randoms((size_t)PIX_FULL * W, -1, 1, 9);
    in.y = NULL;
    in.pix = alloc_or_fail(ROWS, sizeof *in.pix);
    Rng r;
    rng_seed(&r, 10, 0);
    for (size_t i = 0; i < ROWS; i++)
        in.pix[i] = (int32_t)rng_below(&r, PIX_FULL); /* repeats, as random pixels do */
    return in;
}

static void free_inputs(Inputs *in)
{
    free(in->x), free(in->s), free(in->bias), free(in->pre), free(in->dy), free(in->saved);
    free(in->W_in), free(in->W_out), free(in->g), free(in->pix);
}

/* Every pass, writing its outputs into out[0..]; returns how many floats. */
static size_t run_all_passes(const Inputs *in, float *out)
{
    float *o = out;
    /* dense: forward with and without bias; backward dx, dW (in < out and
     * in > out), db */
    dense_forward(o, in->x, in->W_out, in->bias, (int)ROWS, W, IN);
    o += ROWS * IN;
    dense_forward(o, in->x, in->W_out, NULL, (int)ROWS, W, IN);
    o += ROWS * IN;
    float *dW = o;
    memset(dW, 0, (size_t)W * IN * sizeof *dW);
    float *db = dW + (size_t)W * IN;
    memset(db, 0, IN * sizeof *db);
    float *dx = db + IN;
    dense_backward(dx, dW, db, in->dy, in->x, in->W_out, (int)ROWS, W, IN); /* in > out */
    o = dx + N_ELEM;
    float *dW2 = o;
    memset(dW2, 0, (size_t)IN * W * sizeof *dW2);
    dense_backward(NULL, dW2, NULL, in->dy, in->x, in->W_in, (int)ROWS, IN, W); /* in < out */
    o += (size_t)IN * W;
    /* element-wise */
    relu_forward(o, in->x, N_ELEM), o += N_ELEM;
    relu_backward(o, in->dy, in->x, N_ELEM), o += N_ELEM;
    sine_forward(o, in->x, 3.0f, N_ELEM), o += N_ELEM;
    sine_backward(o, in->dy, in->x, 3.0f, N_ELEM), o += N_ELEM;
    vec_sin(o, in->x, N_ELEM), o += N_ELEM;
    vec_cos(o, in->x, N_ELEM), o += N_ELEM;
    /* rows */
    memcpy(o, in->x, N_ELEM * sizeof *o);
    rows_add_forward(o, in->s, B, P, W), o += N_ELEM;
    rows_add_backward(o, in->dy, B, P, W), o += (size_t)B * W;
    rows_add_backward(o, in->dy, 1, (int)ROWS, W), o += W; /* one image: split rows */
    rows_gather_forward(o, in->g, in->pix, B, P, W), o += N_ELEM;
    rows_gather_forward(o, in->g, NULL, B, P, W), o += N_ELEM;
    rows_gather_backward(o, in->dy, in->pix, B, P, PIX_FULL, W), o += (size_t)PIX_FULL * W;
    rows_gather_backward(o, in->dy, NULL, B, P, PIX_FULL, W), o += (size_t)PIX_FULL * W;
    /* fused */
    memcpy(o, in->x, N_ELEM * sizeof *o);
    bias_relu_forward(o, in->bias, in->s, B, P, W), o += N_ELEM;
    float *pre = o;
    memcpy(pre, in->pre, N_ELEM * sizeof *pre);
    o += N_ELEM;
    bias_sine_forward(o, pre, in->bias, in->s, 3.0f, B, P, W), o += N_ELEM;
    float *fused_db = o;
    memset(fused_db, 0, 2 * W * sizeof *fused_db);
    o += 2 * W;
    relu_backward_bias(o, fused_db, in->dy, in->saved, ROWS, W), o += N_ELEM;
    sine_backward_bias(o, fused_db + W, in->dy, in->saved, 3.0f, ROWS, W), o += N_ELEM;
    gather_sine_backward(o, in->dy, in->g, in->pix, in->s, 3.0f, B, P, W), o += N_ELEM;
    gather_sine_backward(o, in->dy, in->g, NULL, in->s, 3.0f, B, P, W), o += N_ELEM;
    return (size_t)(o - out);
}

START_TEST(split_passes_match_one_thread)
{
    Inputs in = make_inputs();
    size_t cap = 40 * N_ELEM;
    float *one = alloc_or_fail(cap, sizeof *one), *three = alloc_or_fail(cap, sizeof *three);
    ck_assert_int_eq(threads_use(1), 1);
    size_t n = run_all_passes(&in, one);
    ck_assert_uint_le(n, cap);
    ck_assert_int_eq(threads_use(3), 3);
    ck_assert_uint_eq(run_all_passes(&in, three), n);
    ck_assert_int_eq(threads_use(1), 1);
    /* Sums (GEMMs, row and bias sums) agree to rounding; the rest exactly. */
    assert_close_scaled(three, one, n, 1e-5, "all passes");
    size_t dense_part = 2 * ROWS * IN + (size_t)W * IN + IN + N_ELEM + (size_t)IN * W;
    size_t elementwise = 6 * N_ELEM;
    assert_identical(three + dense_part, one + dense_part, elementwise, "element-wise passes");
    free(one), free(three);
    free_inputs(&in);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("parallel");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300); /* a hang guard: ASan on a busy machine takes minutes */
    tcase_add_test(tc, parallel_for_runs_every_item_once);
    tcase_add_test(tc, split_passes_match_one_thread);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
