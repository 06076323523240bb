/* test_layers.c - every layer and loss: forward against a plain reference loop,
 * backward against a plain reference loop and against central finite
 * differences, gradient accumulation semantics, and vec_sin/vec_cos accuracy. */
#include "gradcheck.h"
#include "ffl.h"
#include "layers.h"
#include "losses.h"
#include "rng.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Gradient-check settings, shared by every check below.
 * The test losses are L = Σ r_i·y_i with fixed random r_i ~ U(−1, 1), inputs
 * O(1), summed in double, so gradients are O(0.1..1). With h = 1e-2:
 *  - rounding: only the outputs that depend on x_i change between f(x+h) and
 *    f(x−h) (the rest cancel exactly), each with float error ~1e-7, so the
 *    difference quotient is off by ~1e-7 / 2h ≈ 1e-5 absolute, i.e. ≤ 1e-3
 *    relative even at the floor of 1e-2;
 *  - truncation: h²/6·|f'''| ≈ 2e-5·|f'''|, zero for linear layers and ≤ 1e-4
 *    relative for the smooth ones (sine is checked with h scaled by 1/w0 and
 *    the floor by w0, the size of its gradients).
 * Per-check adjustments, each for a stated reason:
 *  - KL: its forward sums in double (no float rounding), so h = 1e-3 removes
 *    the truncation error of e^lv at no cost in noise;
 *  - BCE and Gaussian: their forward rounds every O(1) term in float (~3e-7
 *    for values up to 4), i.e. ~2e-5 of noise in the quotient; the floor is
 *    raised to 5e-2 (BCE) and to 1e-2/σ² (Gaussian: its gradients scale as 1/σ²),
 *    so near-zero entries are compared against that noise, not below it.
 * A real bug moves the relative error far above 1e-3: a gradient wrong by just
 * 1% gives |0.01a| / 2.01|a| ≈ 5e-3 (tested below to fail). */
#define GC_H 1e-2
#define GC_TOL 1e-3
#define GC_FLOOR 1e-2
#define GC_ALL ((size_t)-1)

static Rng rng;

static void setup(void)
{
    rng_seed(&rng, 1234, 7);
}

/* n zeroed floats, or the test fails. */
static float *new_floats(size_t n)
{
    return alloc_or_fail(n, sizeof(float));
}

static void fill_uniform(float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * rng_uniform(&rng);
}

/* Uniform in ±[lo, hi]: keeps values away from a kink at 0. */
static void fill_away_from_zero(float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) {
        float magnitude = lo + (hi - lo) * rng_uniform(&rng);
        x[i] = rng_uniform(&rng) < 0.5f ? -magnitude : magnitude;
    }
}

/* Asserts the analytic gradient passes, and that the same gradient scaled by
 * 1.01 fails, so every check is shown to be sharp on its own data. 'scale' is
 * the gradient's natural size (1, or w0 for sine): it scales the floor. */
static void check_gradient_scaled(GradcheckLoss f, void *ctx, float *x, const float *analytic,
                                  size_t n, double h, double scale, const char *label)
{
    gradcheck_sharp(f, ctx, x, analytic, n, 400, h, GC_FLOOR * scale, GC_TOL, label);
}

static void check_gradient(GradcheckLoss f, void *ctx, float *x, const float *analytic,
                           size_t n, double h, const char *label)
{
    check_gradient_scaled(f, ctx, x, analytic, n, h, 1.0, label);
}

/* ---- dense -------------------------------------------------------------- */

typedef struct {
    float *x, *W, *b, *y, *r; // [N, in], [in, out], [out], [N, out], [N, out]
    int N, in, out;
} DenseCase;

static DenseCase dense_case(int N, int in, int out)
{
    DenseCase c = {new_floats((size_t)N * in), new_floats((size_t)in * out), new_floats(out),
                   new_floats((size_t)N * out), new_floats((size_t)N * out), N, in, out};
    fill_uniform(c.x, (size_t)N * in, -1, 1);
    fill_uniform(c.W, (size_t)in * out, -1, 1);
    fill_uniform(c.b, out, -1, 1);
    fill_uniform(c.r, (size_t)N * out, -1, 1);
    return c;
}

static void dense_case_free(DenseCase *c)
{
    free(c->x), free(c->W), free(c->b), free(c->y), free(c->r);
}

static double dense_loss(void *ctx)
{
    DenseCase *c = ctx;
    dense_forward(c->y, c->x, c->W, c->b, c->N, c->in, c->out);
    return dot_double(c->r, c->y, (size_t)c->N * c->out);
}

START_TEST(dense_forward_matches_triple_loop)
{
    DenseCase c = dense_case(37, 19, 23); /* odd sizes exercise every tail */
    float *want = new_floats((size_t)c.N * c.out);
    for (int with_bias = 0; with_bias < 2; with_bias++) {
        for (int n = 0; n < c.N; n++)
            for (int o = 0; o < c.out; o++) {
                double s = with_bias ? c.b[o] : 0.0;
                for (int i = 0; i < c.in; i++)
                    s += (double)c.x[n * c.in + i] * c.W[i * c.out + o];
                want[n * c.out + o] = (float)s;
            }
        fill_uniform(c.y, (size_t)c.N * c.out, 100, 200); /* y is overwritten */
        dense_forward(c.y, c.x, c.W, with_bias ? c.b : NULL, c.N, c.in, c.out);
        assert_close(c.y, want, (size_t)c.N * c.out, 1e-5, "dense_forward");
    }
    free(want);
    dense_case_free(&c);
}
END_TEST

START_TEST(dense_backward_matches_loops_and_accumulates)
{
    DenseCase c = dense_case(13, 9, 11);
    size_t nx = (size_t)c.N * c.in, nW = (size_t)c.in * c.out, ny = (size_t)c.N * c.out;
    float *dy = c.r; /* any fixed upstream gradient */
    float *dx = new_floats(nx), *dW = new_floats(nW), *db = new_floats(c.out);
    float *want_dx = new_floats(nx), *want_dW = new_floats(nW), *want_db = new_floats(c.out);
    for (int n = 0; n < c.N; n++)
        for (int i = 0; i < c.in; i++) {
            double s = 0;
            for (int o = 0; o < c.out; o++)
                s += (double)dy[n * c.out + o] * c.W[i * c.out + o];
            want_dx[n * c.in + i] = (float)s;
        }
    for (int i = 0; i < c.in; i++)
        for (int o = 0; o < c.out; o++) {
            double s = 0;
            for (int n = 0; n < c.N; n++)
                s += (double)c.x[n * c.in + i] * dy[n * c.out + o];
            want_dW[i * c.out + o] = (float)s;
        }
    for (int o = 0; o < c.out; o++) {
        double s = 0;
        for (int n = 0; n < c.N; n++)
            s += dy[n * c.out + o];
        want_db[o] = (float)s;
    }
    (void)ny;

    fill_uniform(dx, nx, 50, 60); /* garbage: dx must be overwritten */
    dense_backward(dx, dW, db, dy, c.x, c.W, c.N, c.in, c.out);
    assert_close(dx, want_dx, nx, 1e-5, "dense dx");
    assert_close(dW, want_dW, nW, 1e-5, "dense dW");
    assert_close(db, want_db, c.out, 1e-5, "dense db");

    /* A second call adds again to dW, db (2x) and overwrites dx (1x). */
    fill_uniform(dx, nx, 50, 60);
    dense_backward(dx, dW, db, dy, c.x, c.W, c.N, c.in, c.out);
    assert_close(dx, want_dx, nx, 1e-5, "dense dx after second call");
    for (size_t i = 0; i < nW; i++)
        want_dW[i] *= 2;
    for (int o = 0; o < c.out; o++)
        want_db[o] *= 2;
    assert_close(dW, want_dW, nW, 2e-5, "dense dW accumulated");
    assert_close(db, want_db, c.out, 2e-5, "dense db accumulated");

    /* dx and db may be NULL; dW still accumulates (3x). */
    dense_backward(NULL, dW, NULL, dy, c.x, c.W, c.N, c.in, c.out);
    for (size_t i = 0; i < nW; i++)
        want_dW[i] *= 1.5f;
    assert_close(dW, want_dW, nW, 3e-5, "dense dW without dx, db");
    assert_close(db, want_db, c.out, 2e-5, "dense db untouched");

    free(dx), free(dW), free(db), free(want_dx), free(want_dW), free(want_db);
    dense_case_free(&c);
}
END_TEST

START_TEST(dense_gradients_match_finite_differences)
{
    DenseCase c = dense_case(6, 7, 5);
    size_t nx = (size_t)c.N * c.in, nW = (size_t)c.in * c.out;
    float *dx = new_floats(nx), *dW = new_floats(nW), *db = new_floats(c.out);
    /* dL/dy = r */
    dense_backward(dx, dW, db, c.r, c.x, c.W, c.N, c.in, c.out);
    check_gradient(dense_loss, &c, c.x, dx, nx, GC_H, "dense dx");
    check_gradient(dense_loss, &c, c.W, dW, nW, GC_H, "dense dW");
    check_gradient(dense_loss, &c, c.b, db, c.out, GC_H, "dense db");
    free(dx), free(dW), free(db);
    dense_case_free(&c);
}
END_TEST

/* The check must be sharp: gradients wrong by 1% (all scaled, or one entry)
 * fail the same threshold the real gradients pass. */
START_TEST(gradcheck_rejects_slightly_wrong_gradients)
{
    DenseCase c = dense_case(6, 7, 5);
    size_t nW = (size_t)c.in * c.out;
    float *dW = new_floats(nW), *wrong = new_floats(nW);
    dense_backward(NULL, dW, NULL, c.r, c.x, c.W, c.N, c.in, c.out);
    double good = gradcheck(dense_loss, &c, c.W, dW, nW, GC_ALL, GC_H, GC_FLOOR, GC_TOL, NULL);
    ck_assert_double_lt(good, GC_TOL);

    for (size_t i = 0; i < nW; i++)
        wrong[i] = dW[i] * 1.01f;
    double scaled = gradcheck(dense_loss, &c, c.W, wrong, nW, GC_ALL, GC_H, GC_FLOOR, GC_TOL, NULL);
    ck_assert_msg(scaled > GC_TOL, "1%% scaled gradient passed (err %g)", scaled);

    /* one entry off by 1% of the largest gradient */
    memcpy(wrong, dW, nW * sizeof *wrong);
    size_t biggest = 0;
    for (size_t i = 0; i < nW; i++)
        if (fabsf(dW[i]) > fabsf(dW[biggest]))
            biggest = i;
    wrong[nW / 2] += 0.01f * fabsf(dW[biggest]);
    double one = gradcheck(dense_loss, &c, c.W, wrong, nW, GC_ALL, GC_H, GC_FLOOR, GC_TOL, NULL);
    ck_assert_msg(one > GC_TOL, "one wrong entry passed (err %g)", one);

    /* the helper restores x */
    float *saved = new_floats(nW);
    memcpy(saved, c.W, nW * sizeof *saved);
    gradcheck(dense_loss, &c, c.W, dW, nW, 10, GC_H, GC_FLOOR, GC_TOL, NULL);
    ck_assert_int_eq(memcmp(saved, c.W, nW * sizeof *saved), 0);

    free(saved), free(dW), free(wrong);
    dense_case_free(&c);
}
END_TEST

/* ---- element-wise activations --------------------------------------------- */

enum { ACT_RELU, ACT_SINE };

typedef struct {
    float *x, *y, *r; // [n] each
    size_t n;
    int kind;
    float w0;
} ActCase;

static double act_loss(void *ctx)
{
    ActCase *c = ctx;
    if (c->kind == ACT_RELU)
        relu_forward(c->y, c->x, c->n);
    else
        sine_forward(c->y, c->x, c->w0, c->n);
    return dot_double(c->r, c->y, c->n);
}

START_TEST(relu_matches_reference_and_finite_differences)
{
    const size_t n = 1003; /* not a multiple of the block: tail too */
    ActCase c = {new_floats(n), new_floats(n), new_floats(n), n, ACT_RELU, 0};
    float *want = new_floats(n), *dx = new_floats(n), *copy = new_floats(n);
    fill_away_from_zero(c.x, n, 0.1f, 2.0f); /* |x| >= 0.1 > h: no step crosses the kink */
    fill_uniform(c.r, n, -1, 1);

    relu_forward(c.y, c.x, n);
    for (size_t i = 0; i < n; i++)
        want[i] = c.x[i] > 0 ? c.x[i] : 0;
    assert_close(c.y, want, n, 0, "relu forward");
    memcpy(copy, c.x, n * sizeof *copy);
    relu_forward(copy, copy, n); /* in place */
    assert_close(copy, want, n, 0, "relu forward in place");

    relu_backward(dx, c.r, c.y, n);
    for (size_t i = 0; i < n; i++)
        want[i] = c.y[i] > 0 ? c.r[i] : 0;
    assert_close(dx, want, n, 0, "relu backward");
    memcpy(copy, c.r, n * sizeof *copy);
    relu_backward(copy, copy, c.y, n); /* dx == dy */
    assert_close(copy, want, n, 0, "relu backward in place");

    check_gradient(act_loss, &c, c.x, dx, n, GC_H, "relu");
    free(c.x), free(c.y), free(c.r), free(want), free(dx), free(copy);
}
END_TEST

START_TEST(sine_matches_reference_and_finite_differences)
{
    const size_t n = 1001;
    const float w0s[] = {1.0f, 30.0f};
    for (int k = 0; k < 2; k++) {
        float w0 = w0s[k];
        ActCase c = {new_floats(n), new_floats(n), new_floats(n), n, ACT_SINE, w0};
        float *want = new_floats(n), *dx = new_floats(n);
        fill_uniform(c.x, n, -2.0f, 2.0f);
        fill_uniform(c.r, n, -1, 1);

        sine_forward(c.y, c.x, w0, n);
        for (size_t i = 0; i < n; i++)
            want[i] = (float)sin((double)(w0 * c.x[i]));
        assert_close(c.y, want, n, 2e-6, "sine forward");

        sine_backward(dx, c.r, c.x, w0, n);
        for (size_t i = 0; i < n; i++)
            want[i] = (float)(c.r[i] * (double)w0 * cos((double)(w0 * c.x[i])));
        assert_close(dx, want, n, 2e-6 * w0, "sine backward");
        float *in_place = new_floats(n);
        memcpy(in_place, c.r, n * sizeof *in_place);
        sine_backward(in_place, in_place, c.x, w0, n); /* dx == dy */
        assert_close(in_place, dx, n, 0, "sine backward in place");

        /* the step scales with 1/w0 so w0·h, hence the truncation error, stays small */
        check_gradient_scaled(act_loss, &c, c.x, dx, n, GC_H / w0, w0,
                              w0 > 1 ? "sine w0=30" : "sine w0=1");
        free(c.x), free(c.y), free(c.r), free(want), free(dx), free(in_place);
    }
}
END_TEST

/* ---- vec_sin / vec_cos ----------------------------------------------------- */

static double max_error_against_libm(const float *x, size_t n, float *s, float *co)
{
    vec_sin(s, x, n);
    vec_cos(co, x, n);
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double es = fabs(s[i] - sin((double)x[i])), ec = fabs(co[i] - cos((double)x[i]));
        if (!(es <= worst))
            worst = isnan(es) ? INFINITY : es;
        if (!(ec <= worst))
            worst = isnan(ec) ? INFINITY : ec;
    }
    return worst;
}

START_TEST(vec_sin_cos_are_accurate)
{
    const size_t n = 1000003;
    float *x = new_floats(n), *s = new_floats(n), *c = new_floats(n);

    fill_uniform(x, n, -1e4f, 1e4f);
    x[0] = 1e4f, x[1] = -1e4f, x[2] = 0.0f, x[3] = -0.0f;
    double wide = max_error_against_libm(x, n, s, c);

    for (size_t i = 0; i < n; i++) /* dense sweep of [−2π, 2π], both ends included */
        x[i] = (float)(-2 * M_PI + 4 * M_PI * (double)i / (double)(n - 1));
    double sweep = max_error_against_libm(x, n, s, c);

    /* the floats nearest every k·π/4, |k| <= 4000: the reduction boundaries (odd
     * multiples of π/2) and the zeros of sin and cos are among them */
    size_t m = 0;
    for (int k = -4000; k <= 4000; k++) {
        float b = (float)(k * M_PI / 4);
        x[m++] = b, x[m++] = nextafterf(b, -INFINITY), x[m++] = nextafterf(b, INFINITY);
    }
    double edges = max_error_against_libm(x, m, s, c);

    printf("vec_sin/vec_cos max abs error: |x|<=1e4 %.3g, [-2pi,2pi] %.3g, k*pi/4 edges %.3g\n",
           wide, sweep, edges);
    ck_assert_double_le(wide, 2e-6);
    ck_assert_double_le(sweep, 2e-6);
    ck_assert_double_le(edges, 2e-6);

    /* in place (y == x) gives the same as out of place */
    fill_uniform(x, 1000, -50, 50);
    vec_sin(s, x, 1000);
    vec_sin(x, x, 1000);
    assert_close(x, s, 1000, 0, "vec_sin in place");
    free(x), free(s), free(c);
}
END_TEST

/* ---- rows_add / rows_gather ---------------------------------------------- */

typedef struct {
    float *base, *s, *y, *r; // [B*P, W], [B, W], [B*P, W], [B*P, W]
    int B, P, W;
} RowsAddCase;

static double rows_add_loss(void *ctx)
{
    RowsAddCase *c = ctx;
    size_t n = (size_t)c->B * c->P * c->W;
    memcpy(c->y, c->base, n * sizeof *c->y);
    rows_add_forward(c->y, c->s, c->B, c->P, c->W);
    return dot_double(c->r, c->y, n);
}

START_TEST(rows_add_matches_reference_and_finite_differences)
{
    const int B = 3, P = 5, W = 11;
    size_t n = (size_t)B * P * W;
    RowsAddCase c = {new_floats(n), new_floats((size_t)B * W), new_floats(n), new_floats(n), B, P, W};
    fill_uniform(c.base, n, -1, 1);
    fill_uniform(c.s, (size_t)B * W, -1, 1);
    fill_uniform(c.r, n, -1, 1);
    float *want = new_floats(n), *ds = new_floats((size_t)B * W), *want_ds = new_floats((size_t)B * W);

    rows_add_loss(&c);
    for (int b = 0; b < B; b++)
        for (int p = 0; p < P; p++)
            for (int w = 0; w < W; w++) {
                size_t i = ((size_t)b * P + p) * W + w;
                want[i] = c.base[i] + c.s[b * W + w];
            }
    assert_close(c.y, want, n, 0, "rows_add forward");

    for (int b = 0; b < B; b++)
        for (int w = 0; w < W; w++) {
            double sum = 0;
            for (int p = 0; p < P; p++)
                sum += c.r[((size_t)b * P + p) * W + w];
            want_ds[b * W + w] = (float)sum;
        }
    fill_uniform(ds, (size_t)B * W, 50, 60); /* overwritten, not accumulated */
    rows_add_backward(ds, c.r, B, P, W);
    assert_close(ds, want_ds, (size_t)B * W, 1e-6, "rows_add backward");

    check_gradient(rows_add_loss, &c, c.s, ds, (size_t)B * W, GC_H, "rows_add ds");
    free(c.base), free(c.s), free(c.y), free(c.r), free(want), free(ds), free(want_ds);
}
END_TEST

typedef struct {
    float *g, *y, *r; // [P_full, W], [B*P, W], [B*P, W]
    const int32_t *pix; // [B*P] or NULL
    int B, P, P_full, W;
} GatherCase;

static double gather_loss(void *ctx)
{
    GatherCase *c = ctx;
    rows_gather_forward(c->y, c->g, c->pix, c->B, c->P, c->W);
    return dot_double(c->r, c->y, (size_t)c->B * c->P * c->W);
}

START_TEST(rows_gather_matches_reference_and_finite_differences)
{
    const int B = 3, P_full = 12, W = 9;
    /* with pix: P = 7 pixels per image, indices repeat within and across images,
     * and some of the 12 rows are never used (their gradient must be zero) */
    const int32_t pix[3 * 7] = {0, 3, 3, 5, 11, 2, 0,
                                5, 5, 5, 1, 0, 9, 3,
                                11, 2, 2, 3, 4, 0, 5};
    for (int with_pix = 0; with_pix < 2; with_pix++) {
        int P = with_pix ? 7 : P_full;
        size_t n = (size_t)B * P * W, ng = (size_t)P_full * W;
        GatherCase c = {new_floats(ng), new_floats(n), new_floats(n), with_pix ? pix : NULL,
                        B, P, P_full, W};
        fill_uniform(c.g, ng, -1, 1);
        fill_uniform(c.r, n, -1, 1);
        float *want = new_floats(n), *dg = new_floats(ng), *want_dg = new_floats(ng);

        gather_loss(&c);
        for (int b = 0; b < B; b++)
            for (int p = 0; p < P; p++) {
                int src = with_pix ? pix[b * P + p] : p;
                for (int w = 0; w < W; w++)
                    want[((size_t)b * P + p) * W + w] = c.g[src * W + w];
            }
        assert_close(c.y, want, n, 0, "rows_gather forward");

        double *acc = alloc_or_fail(ng, sizeof *acc);
        for (int b = 0; b < B; b++)
            for (int p = 0; p < P; p++) {
                int dst = with_pix ? pix[b * P + p] : p;
                for (int w = 0; w < W; w++)
                    acc[dst * W + w] += c.r[((size_t)b * P + p) * W + w];
            }
        for (size_t i = 0; i < ng; i++)
            want_dg[i] = (float)acc[i];
        fill_uniform(dg, ng, 50, 60); /* overwritten, including unused rows */
        rows_gather_backward(dg, c.r, c.pix, B, P, P_full, W);
        assert_close(dg, want_dg, ng, 1e-6, with_pix ? "rows_gather backward" :
                                                      "rows_gather backward (all pixels)");
        if (with_pix) /* row 6 is never gathered */
            for (int w = 0; w < W; w++)
                ck_assert_float_eq(dg[6 * W + w], 0.0f);

        check_gradient(gather_loss, &c, c.g, dg, ng, GC_H,
                       with_pix ? "rows_gather dg" : "rows_gather dg (all pixels)");
        free(acc), free(c.g), free(c.y), free(c.r), free(want), free(dg), free(want_dg);
    }
}
END_TEST

/* ---- losses --------------------------------------------------------------- */

enum { LOSS_BCE, LOSS_GAUSSIAN };

typedef struct {
    float *logits, *target; // [n] each
    size_t n;
    int kind;
    float sigma;
} LikelihoodCase;

static double likelihood_loss(void *ctx)
{
    LikelihoodCase *c = ctx;
    return c->kind == LOSS_BCE ? bce_logits_forward(c->logits, c->target, c->n)
                               : gaussian_nll_forward(c->logits, c->target, c->sigma, c->n);
}

static double ref_sigmoid(double l)
{
    return 1.0 / (1.0 + exp(-l));
}

START_TEST(bce_matches_reference_and_finite_differences)
{
    const size_t n = 517;
    LikelihoodCase c = {new_floats(n), new_floats(n), n, LOSS_BCE, 0};
    fill_uniform(c.logits, n, -4, 4);
    fill_uniform(c.target, n, 0, 1);
    /* saturated logits must stay finite and exact */
    c.logits[0] = 100.0f, c.target[0] = 1.0f;
    c.logits[1] = -100.0f, c.target[1] = 0.0f;
    c.logits[2] = 100.0f, c.target[2] = 0.0f;
    c.logits[3] = -100.0f, c.target[3] = 1.0f;
    c.logits[4] = 0.0f;

    double want = 0;
    for (size_t i = 0; i < n; i++) {
        double l = c.logits[i];
        want += fmax(l, 0) - c.target[i] * l + log1p(exp(-fabs(l)));
    }
    double got = bce_logits_forward(c.logits, c.target, n);
    ck_assert_msg(fabs(got - want) <= 1e-6 * fabs(want), "bce forward %.10g vs %.10g", got, want);
    ck_assert_double_eq_tol(bce_logits_forward(c.logits, c.target, 4), 200.0, 1e-4);

    float *dl = new_floats(n), *want_dl = new_floats(n);
    const float scale = 0.25f;
    for (size_t i = 0; i < n; i++)
        want_dl[i] = (float)(scale * (ref_sigmoid(c.logits[i]) - c.target[i]));
    fill_uniform(dl, n, 50, 60);
    bce_logits_backward(dl, c.logits, c.target, scale, n);
    assert_close(dl, want_dl, n, 1e-6, "bce backward");

    /* finite differences away from the saturated entries (their h-step is flat) */
    bce_logits_backward(dl, c.logits, c.target, 1.0f, n);
    LikelihoodCase inner = {c.logits + 5, c.target + 5, n - 5, LOSS_BCE, 0};
    check_gradient_scaled(likelihood_loss, &inner, inner.logits, dl + 5, n - 5, GC_H, 5.0, "bce");
    free(c.logits), free(c.target), free(dl), free(want_dl);
}
END_TEST

START_TEST(gaussian_matches_reference_and_finite_differences)
{
    const size_t n = 515;
    const float sigma = 0.3f;
    LikelihoodCase c = {new_floats(n), new_floats(n), n, LOSS_GAUSSIAN, sigma};
    fill_uniform(c.logits, n, -3, 3);
    fill_uniform(c.target, n, 0, 1);

    double var = (double)sigma * sigma, want = 0;
    for (size_t i = 0; i < n; i++) {
        double d = c.target[i] - ref_sigmoid(c.logits[i]);
        want += d * d / (2 * var) + 0.5 * log(2 * M_PI * var);
    }
    double got = gaussian_nll_forward(c.logits, c.target, sigma, n);
    ck_assert_msg(fabs(got - want) <= 1e-6 * fabs(want), "gaussian forward %.10g vs %.10g", got, want);

    float *dl = new_floats(n), *want_dl = new_floats(n);
    const float scale = 0.5f;
    for (size_t i = 0; i < n; i++) {
        double mu = ref_sigmoid(c.logits[i]);
        want_dl[i] = (float)(scale * (mu - c.target[i]) / var * mu * (1 - mu));
    }
    fill_uniform(dl, n, 50, 60);
    gaussian_nll_backward(dl, c.logits, c.target, sigma, scale, n);
    assert_close(dl, want_dl, n, 1e-5, "gaussian backward");

    gaussian_nll_backward(dl, c.logits, c.target, sigma, 1.0f, n);
    check_gradient_scaled(likelihood_loss, &c, c.logits, dl, n, GC_H, 1.0 / var,
                          "gaussian");
    free(c.logits), free(c.target), free(dl), free(want_dl);
}
END_TEST

/* ---- continuous Bernoulli, scaled Gaussian and Laplace -------------------- */

/* log C(λ) in float64 from the closed form 2 artanh(1 − 2λ)/(1 − 2λ), log 2 at ½. */
static double cb_log_norm_f64(double lambda)
{
    double x = 1.0 - 2.0 * lambda;
    return fabs(x) < 1e-300 ? log(2.0) : log(2.0 * atanh(x) / x);
}

START_TEST(cb_log_norm_matches_float64_closed_form)
{
    double worst = 0, worst_grad = 0, at = 0;
    int count = 0;
    for (int i = -9; i <= 10010; i++) {
        double lambda;
        if (i < 0) /* λ = ½ ± 10^i: the closed form's 0/0 */
            lambda = 0.5 + ((i & 1) ? 1 : -1) * pow(10.0, i);
        else if (i <= 9998)
            lambda = (i + 1) / 10000.0;
        else
            lambda = i < 10005 ? pow(10.0, -(i - 9996)) : 1 - pow(10.0, -(i - 10001));
        float l = (float)log(lambda / (1 - lambda));
        double lam = 1.0 / (1.0 + exp(-(double)l)); /* the λ the float logit stands for */
        double want = cb_log_norm_f64(lam), got = cb_log_norm(l);
        if (fabs(got - want) > worst)
            worst = fabs(got - want), at = lam;
        double dl = l, want_grad = fabs(dl) < 1e-4 ? dl / 6 : 1.0 / dl - 1.0 / sinh(dl);
        worst_grad = fmax(worst_grad, fabs(cb_log_norm_grad(l) - want_grad));
        count++;
    }
    printf("continuous Bernoulli log C: %d points in (0, 1), worst |float - float64| %.2e at "
           "lambda %.9g; d/dl worst %.2e\n", count, worst, at, worst_grad);
    ck_assert_msg(worst < 1e-6, "log C off by %g at lambda %.9g", worst, at);
    ck_assert_msg(worst_grad < 1e-6, "d log C / dl off by %g", worst_grad);
    ck_assert_float_eq_tol(cb_log_norm(0.0f), (float)M_LN2, 1e-7f);
    ck_assert_float_eq(cb_log_norm_grad(0.0f), 0.0f);
    /* the band's edges: the series and the closed form meet */
    float below = nextafterf(CB_TAYLOR_BAND, 0), edge = CB_TAYLOR_BAND;
    ck_assert_float_eq_tol(cb_log_norm(below), cb_log_norm(edge), 1e-6f);
    ck_assert_float_eq_tol(cb_log_norm_grad(below), cb_log_norm_grad(edge), 1e-6f);
    ck_assert(isfinite(cb_log_norm(100.0f)) && isfinite(cb_log_norm(-100.0f)));
    ck_assert_float_eq_tol(cb_log_norm_grad(100.0f), 0.01f, 1e-7f);
}
END_TEST

static double cb_loss(void *ctx)
{
    LikelihoodCase *c = ctx;
    return cb_nll_forward(c->logits, c->target, c->n);
}

START_TEST(cb_matches_reference_and_finite_differences)
{
    const size_t n = 519;
    LikelihoodCase c = {new_floats(n), new_floats(n), n, LOSS_BCE, 0};
    fill_uniform(c.logits, n, -4, 4);
    fill_uniform(c.target, n, 0, 1);
    c.logits[0] = 0.0f, c.logits[1] = 1e-3f, c.logits[2] = -0.49f;
    double want = 0;
    for (size_t i = 0; i < n; i++) {
        double l = c.logits[i], lam = ref_sigmoid(l);
        want += -(c.target[i] * log(lam) + (1 - c.target[i]) * log1p(-lam)) -
                cb_log_norm_f64(lam);
    }
    double got = cb_nll_forward(c.logits, c.target, n);
    ck_assert_msg(fabs(got - want) <= 1e-6 * fabs(want) + 1e-5, "cb forward %.10g vs %.10g", got,
                  want);
    float *dl = new_floats(n);
    fill_uniform(dl, n, 50, 60); /* overwritten */
    cb_nll_backward(dl, c.logits, c.target, 1.0f, n);
    for (size_t i = 0; i < n; i++) {
        double l = c.logits[i];
        double dlogc = fabs(l) < 1e-4 ? l / 6 : 1 / l - 1 / sinh(l);
        ck_assert_double_eq_tol(dl[i], ref_sigmoid(l) - c.target[i] - dlogc, 1e-6);
    }
    check_gradient_scaled(cb_loss, &c, c.logits, dl, n, GC_H, 5.0, "continuous bernoulli");
    free(c.logits), free(c.target), free(dl);
}
END_TEST

typedef struct {
    float *logits, *target, *log_scale; /* [n], [n], [C] */
    size_t n;
    int C, laplace;
} ScaledCase;

static double scaled_loss(void *ctx)
{
    ScaledCase *c = ctx;
    return scaled_nll_forward(c->logits, c->target, c->log_scale, c->C, c->laplace, c->n);
}

static void check_scaled(int laplace)
{
    const int C = 3;
    const size_t n = 171 * C;
    float log_scale[3] = {logf(0.3f), logf(0.5f), logf(0.2f)};
    ScaledCase c = {new_floats(n), new_floats(n), log_scale, n, C, laplace};
    fill_uniform(c.logits, n, -3, 3);
    for (size_t i = 0; i < n; i++) { /* |t − μ| ≥ 0.05: away from the Laplace kink */
        float mu = 1.0f / (1.0f + expf(-c.logits[i])), off;
        do
            off = 0.6f * rng_uniform(&rng) - 0.3f;
        while (fabsf(off) < 0.05f);
        c.target[i] = mu + off;
    }
    double want = 0;
    for (size_t i = 0; i < n; i++) {
        double s = exp((double)log_scale[i % C]), d = c.target[i] - ref_sigmoid(c.logits[i]);
        want += laplace ? fabs(d) / s + log(2 * s) : d * d / (2 * s * s) + log(s) + 0.5 * log(2 * M_PI);
    }
    double got = scaled_loss(&c);
    ck_assert_msg(fabs(got - want) <= 1e-6 * fabs(want), "%s forward %.10g vs %.10g",
                  laplace ? "laplace" : "gaussian", got, want);
    /* a fixed σ gives gaussian_nll_forward's value */
    if (!laplace) {
        float same[3] = {logf(0.3f), logf(0.3f), logf(0.3f)};
        ScaledCase d = c;
        d.log_scale = same;
        ck_assert_double_eq_tol(scaled_loss(&d), gaussian_nll_forward(c.logits, c.target, 0.3f, n),
                                1e-5 * fabs(got));
    }
    float *dl = new_floats(n), dls[3] = {1, 2, 3}; /* dls accumulates */
    fill_uniform(dl, n, 50, 60);
    scaled_nll_backward(dl, dls, c.logits, c.target, log_scale, C, laplace, 1.0f, n);
    for (int ch = 0; ch < C; ch++) {
        double s = exp((double)log_scale[ch]), w = 0;
        for (size_t i = (size_t)ch; i < n; i += C) {
            double d = c.target[i] - ref_sigmoid(c.logits[i]);
            w += laplace ? 1 - fabs(d) / s : 1 - d * d / (s * s);
        }
        ck_assert_double_eq_tol(dls[ch] - (ch + 1), w, 1e-4 * fabs(w) + 1e-3);
        dls[ch] -= (float)(ch + 1);
    }
    const char *name = laplace ? "laplace dlogits" : "gaussian learned dlogits";
    check_gradient_scaled(scaled_loss, &c, c.logits, dl, n, laplace ? 1e-3 : GC_H, 25.0, name);
    check_gradient_scaled(scaled_loss, &c, log_scale, dls, C, 1e-3, 10.0,
                          laplace ? "laplace dlog_b" : "gaussian dlog_sigma");
    /* NULL: a fixed scale, dlogits only */
    float *dl2 = new_floats(n);
    scaled_nll_backward(dl2, NULL, c.logits, c.target, log_scale, C, laplace, 1.0f, n);
    assert_close(dl2, dl, n, 0, "fixed-scale dlogits");
    free(c.logits), free(c.target), free(dl), free(dl2);
}

START_TEST(gaussian_learned_sigma_matches_reference_and_finite_differences)
{
    check_scaled(0);
}
END_TEST

START_TEST(laplace_matches_reference_and_finite_differences)
{
    check_scaled(1);
}
END_TEST

typedef struct {
    float *mu, *logvar, *eps, *z, *r; // [n] each
    size_t n;
} LatentCase;

static LatentCase latent_case(size_t n)
{
    LatentCase c = {new_floats(n), new_floats(n), new_floats(n), new_floats(n), new_floats(n), n};
    fill_uniform(c.mu, n, -1.5f, 1.5f);
    fill_uniform(c.logvar, n, -2, 1);
    for (size_t i = 0; i < n; i++)
        c.eps[i] = rng_normal(&rng);
    fill_uniform(c.r, n, -1, 1);
    return c;
}

static void latent_case_free(LatentCase *c)
{
    free(c->mu), free(c->logvar), free(c->eps), free(c->z), free(c->r);
}

static double kl_loss(void *ctx)
{
    LatentCase *c = ctx;
    return kl_forward(c->mu, c->logvar, c->n);
}

static double reparam_loss(void *ctx)
{
    LatentCase *c = ctx;
    reparam_forward(c->z, c->mu, c->logvar, c->eps, c->n);
    return dot_double(c->r, c->z, c->n);
}

START_TEST(kl_matches_reference_and_finite_differences)
{
    const size_t n = 37;
    LatentCase c = latent_case(n);
    double want = 0;
    for (size_t i = 0; i < n; i++)
        want += 0.5 * ((double)c.mu[i] * c.mu[i] + exp(c.logvar[i]) - 1 - c.logvar[i]);
    ck_assert_double_eq_tol(kl_forward(c.mu, c.logvar, n), want, 1e-9 * (1 + want));

    float *dmu = new_floats(n), *dlv = new_floats(n), *want_dmu = new_floats(n),
          *want_dlv = new_floats(n);
    const float scale = 0.5f;
    for (size_t i = 0; i < n; i++) {
        dmu[i] = 1.0f, dlv[i] = -1.0f; /* accumulated onto, not overwritten */
        want_dmu[i] = (float)(1.0 + scale * c.mu[i]);
        want_dlv[i] = (float)(-1.0 + scale * 0.5 * (exp(c.logvar[i]) - 1));
    }
    kl_backward(dmu, dlv, c.mu, c.logvar, scale, n);
    assert_close(dmu, want_dmu, n, 1e-6, "kl dmu");
    assert_close(dlv, want_dlv, n, 1e-6, "kl dlogvar");

    memset(dmu, 0, n * sizeof *dmu), memset(dlv, 0, n * sizeof *dlv);
    kl_backward(dmu, dlv, c.mu, c.logvar, 1.0f, n);
    check_gradient(kl_loss, &c, c.mu, dmu, n, 1e-3, "kl dmu");
    check_gradient(kl_loss, &c, c.logvar, dlv, n, 1e-3, "kl dlogvar");
    free(dmu), free(dlv), free(want_dmu), free(want_dlv);
    latent_case_free(&c);
}
END_TEST

typedef struct {
    float *mu, *logvar;
    int B, d;
    float F;
} FreeBitsCase;

static double free_bits_loss(void *ctx)
{
    FreeBitsCase *c = ctx;
    return kl_free_bits_forward(c->mu, c->logvar, c->B, c->d, c->F);
}

START_TEST(free_bits_match_reference_and_finite_differences)
{
    const int B = 5, d = 8;
    const size_t n = (size_t)B * d;
    FreeBitsCase c = {new_floats(n), new_floats(n), B, d, 0.6f};
    /* dimension j's scale grows with j, so the batch-mean KLs spread over both
     * sides of the floor; none is within 0.05 nats of it (where a step of h
     * could cross it) */
    double means[8];
    int below = 0;
    for (;;) {
        for (size_t i = 0; i < n; i++) {
            int j = (int)(i % d);
            c.mu[i] = (0.2f + 0.25f * j) * (2 * rng_uniform(&rng) - 1);
            c.logvar[i] = (0.1f + 0.15f * j) * (2 * rng_uniform(&rng) - 1);
        }
        int ok = 1;
        below = 0;
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (int b = 0; b < B; b++) {
                double m = c.mu[b * d + j], lv = c.logvar[b * d + j];
                s += 0.5 * (m * m + exp(lv) - 1 - lv);
            }
            means[j] = s / B;
            ok &= fabs(means[j] - c.F) > 0.05;
            below += means[j] <= c.F;
        }
        if (ok && below > 1 && below < d - 1)
            break;
    }
    double want = 0;
    for (int j = 0; j < d; j++)
        want += B * fmax(c.F, means[j]);
    ck_assert_double_eq_tol(free_bits_loss(&c), want, 1e-9 * want);
    ck_assert_double_eq_tol(kl_free_bits_forward(c.mu, c.logvar, B, d, 0.0f),
                            kl_forward(c.mu, c.logvar, n), 1e-9 * want);

    float *dmu = new_floats(n), *dlv = new_floats(n);
    kl_free_bits_backward(dmu, dlv, c.mu, c.logvar, B, d, c.F, 1.0f);
    for (size_t i = 0; i < n; i++)
        if (means[i % d] <= c.F) /* below the floor: exactly no gradient */
            ck_assert(dmu[i] == 0.0f && dlv[i] == 0.0f);
        else
            ck_assert(dmu[i] != 0.0f);
    check_gradient(free_bits_loss, &c, c.mu, dmu, n, 1e-3, "free bits dmu");
    check_gradient(free_bits_loss, &c, c.logvar, dlv, n, 1e-3, "free bits dlogvar");
    printf("free bits: %d of %d dimensions below the floor %.2f\n", below, d, c.F);
    free(dmu), free(dlv), free(c.mu), free(c.logvar);
}
END_TEST

/* ---- focal frequency loss ------------------------------------------------- */

typedef struct {
    FflPlan plan;
    float *logits, *target; /* [B, H·W·C] */
    int B, H, W, C;
    float alpha;
    double *w; /* [B·C·H·W] frozen weights for the reference, or NULL */
} FflCase;

/* The loss in float64 with a naive 2-D DFT; w_out receives the weights (the
 * paper's definition), w_in (when not NULL) replaces them (the frozen-weight
 * surrogate whose gradient ffl_backward computes). */
static double ffl_reference(const FflCase *c, const double *w_in, double *w_out)
{
    const int H = c->H, W = c->W, C = c->C, P = H * W;
    double total = 0, *re = malloc(P * sizeof *re), *im = malloc(P * sizeof *im);
    for (int b = 0; b < c->B; b++)
        for (int ch = 0; ch < C; ch++) {
            double top = 0;
            for (int ky = 0; ky < H; ky++)
                for (int kx = 0; kx < W; kx++) {
                    double sr = 0, si = 0;
                    for (int y = 0; y < H; y++)
                        for (int x = 0; x < W; x++) {
                            size_t at = ((size_t)b * P + y * W + x) * C + ch;
                            double v = ref_sigmoid(c->logits[at]) - c->target[at];
                            double a = -2 * M_PI * ((double)ky * y / H + (double)kx * x / W);
                            sr += v * cos(a), si += v * sin(a);
                        }
                    re[ky * W + kx] = sr / sqrt((double)P), im[ky * W + kx] = si / sqrt((double)P);
                    top = fmax(top, pow(hypot(re[ky * W + kx], im[ky * W + kx]), c->alpha));
                }
            double s = 0;
            for (int k = 0; k < P; k++) {
                size_t wi = ((size_t)b * C + ch) * P + k;
                double m2 = re[k] * re[k] + im[k] * im[k];
                double w = top > 0 ? pow(sqrt(m2), c->alpha) / top : 0;
                if (w_out)
                    w_out[wi] = w;
                s += (w_in ? w_in[wi] : w) * m2;
            }
            total += s / P / C;
        }
    free(re), free(im);
    return total;
}

static double ffl_frozen_loss(void *ctx)
{
    FflCase *c = ctx;
    return ffl_reference(c, c->w, NULL);
}

static double ffl_loss(void *ctx)
{
    FflCase *c = ctx;
    return ffl_forward(&c->plan, c->logits, c->target, c->alpha, c->B);
}

static void check_ffl(int B, int H, int W, int C, float alpha)
{
    size_t n = (size_t)B * H * W * C;
    FflCase c = {.logits = new_floats(n), .target = new_floats(n), .B = B, .H = H, .W = W, .C = C,
                 .alpha = alpha};
    ck_assert_int_eq(ffl_plan_init(&c.plan, B, H, W, C), 0);
    fill_uniform(c.logits, n, -3, 3);
    fill_uniform(c.target, n, 0, 1);
    c.w = malloc(n * sizeof *c.w);
    double want = ffl_reference(&c, NULL, c.w), got = ffl_loss(&c);
    ck_assert_msg(fabs(got - want) <= 1e-5 * want, "ffl forward %.8g vs float64 %.8g", got, want);
    if (alpha == 0.0f) { /* w = 1: Parseval makes it the mean squared error of σ(l) */
        double mse = 0;
        for (size_t i = 0; i < n; i++) {
            double e = ref_sigmoid(c.logits[i]) - c.target[i];
            mse += e * e;
        }
        ck_assert_double_eq_tol(got, mse / ((double)H * W * C), 1e-5 * got);
    }
    float *dl = new_floats(n);
    for (size_t i = 0; i < n; i++)
        dl[i] = 0.5f; /* accumulated onto */
    ffl_backward(&c.plan, dl, c.logits, c.target, alpha, 2.0f, B);
    for (size_t i = 0; i < n; i++)
        dl[i] = (dl[i] - 0.5f) / 2.0f;
    char label[64];
    snprintf(label, sizeof label, "ffl %dx%dx%d alpha %g (w frozen)", H, W, C, alpha);
    /* gradients are O(1/(H·W·C)): the floor scales with them */
    double size = 1.0 / ((double)H * W * C);
    check_gradient_scaled(ffl_frozen_loss, &c, c.logits, dl, n, GC_H, size, label);
    if (alpha == 0.0f) { /* w does not move: the loss's own gradient */
        snprintf(label, sizeof label, "ffl %dx%dx%d alpha 0", H, W, C);
        /* ffl_forward's DFT rounds in float (~1e-7 of the loss, ~1e-6 of the
         * gradients in the quotient): the floor is 5 times the gradients' size */
        check_gradient_scaled(ffl_loss, &c, c.logits, dl, n, GC_H, 5 * size, label);
    }
    /* prediction equal to target: no loss, no gradient, no NaN */
    for (size_t i = 0; i < n; i++)
        c.target[i] = 1.0f / (1.0f + expf(-c.logits[i]));
    memset(dl, 0, n * sizeof *dl);
    ffl_backward(&c.plan, dl, c.logits, c.target, alpha, 1.0f, B);
    ck_assert(ffl_loss(&c) < 1e-12);
    for (size_t i = 0; i < n; i++)
        ck_assert(isfinite(dl[i]) && fabsf(dl[i]) < 1e-6f);
    ffl_plan_free(&c.plan);
    free(c.logits), free(c.target), free(c.w), free(dl);
}

START_TEST(ffl_matches_float64_dft_and_finite_differences)
{
    check_ffl(2, 5, 4, 1, 1.0f);
    check_ffl(2, 6, 7, 3, 1.0f);
    check_ffl(3, 4, 4, 3, 2.0f);
    check_ffl(2, 5, 6, 1, 0.0f);
}
END_TEST

START_TEST(reparam_matches_reference_and_finite_differences)
{
    const size_t n = 37;
    LatentCase c = latent_case(n);
    float *want = new_floats(n);
    reparam_forward(c.z, c.mu, c.logvar, c.eps, n);
    for (size_t i = 0; i < n; i++)
        want[i] = (float)(c.mu[i] + exp(0.5 * c.logvar[i]) * c.eps[i]);
    assert_close(c.z, want, n, 1e-6, "reparam forward");

    float *dmu = new_floats(n), *dlv = new_floats(n), *want_dmu = new_floats(n),
          *want_dlv = new_floats(n);
    for (size_t i = 0; i < n; i++) {
        dmu[i] = 2.0f, dlv[i] = 3.0f; /* accumulated onto */
        want_dmu[i] = 2.0f + c.r[i];
        want_dlv[i] = (float)(3.0 + c.r[i] * 0.5 * exp(0.5 * c.logvar[i]) * c.eps[i]);
    }
    reparam_backward(dmu, dlv, c.r, c.logvar, c.eps, n);
    assert_close(dmu, want_dmu, n, 1e-6, "reparam dmu");
    assert_close(dlv, want_dlv, n, 1e-6, "reparam dlogvar");

    memset(dmu, 0, n * sizeof *dmu), memset(dlv, 0, n * sizeof *dlv);
    reparam_backward(dmu, dlv, c.r, c.logvar, c.eps, n);
    check_gradient(reparam_loss, &c, c.mu, dmu, n, GC_H, "reparam dmu");
    check_gradient(reparam_loss, &c, c.logvar, dlv, n, GC_H, "reparam dlogvar");
    free(want), free(dmu), free(dlv), free(want_dmu), free(want_dlv);
    latent_case_free(&c);
}
END_TEST

/* The fused passes equal the chains of plain reference loops they replace. */
START_TEST(fused_row_passes_match_plain_loops)
{
    enum { B = 3, P = 5, W = 21 }; /* W not a multiple of the vector block */
    const size_t n = (size_t)B * P * W;
    const float w0 = 3.0f;
    float *pre = new_floats(n), *bias = new_floats(W), *s = new_floats((size_t)B * W);
    float *y = new_floats(n), *pre2 = new_floats(n), *ref = new_floats(n);
    fill_uniform(pre, n, -2, 2);
    fill_uniform(bias, W, -1, 1);
    fill_uniform(s, (size_t)B * W, -1, 1);
    for (int with_s = 0; with_s < 2; with_s++) {
        /* reference: pre + (bias + s[b]), then the activation, element by element */
        for (int b = 0; b < B; b++)
            for (int p = 0; p < P; p++)
                for (int w = 0; w < W; w++) {
                    size_t i = ((size_t)b * P + p) * W + w;
                    ref[i] = pre[i] + (bias[w] + (with_s ? s[b * W + w] : 0.0f));
                }
        memcpy(y, pre, n * sizeof *y);
        bias_relu_forward(y, bias, with_s ? s : NULL, B, P, W);
        for (size_t i = 0; i < n; i++)
            ck_assert_float_eq(y[i], ref[i] > 0 ? ref[i] : 0.0f);
        memcpy(pre2, pre, n * sizeof *pre2);
        bias_sine_forward(y, pre2, bias, with_s ? s : NULL, w0, B, P, W);
        for (size_t i = 0; i < n; i++) {
            ck_assert_float_eq(pre2[i], ref[i]);
            ck_assert_float_eq_tol(y[i], (float)sin(w0 * (double)ref[i]), 2e-6f);
        }
    }
    /* backward: the activation's backward, then the bias gradient as column sums */
    float *dy = new_floats(n), *dx = new_floats(n), *db = new_floats(W);
    fill_uniform(dy, n, -1, 1);
    for (int kind = 0; kind < 2; kind++) {
        for (int w = 0; w < W; w++)
            db[w] = 0.5f; /* accumulates onto what is there */
        if (kind == 0)
            relu_backward_bias(dx, db, dy, ref, (size_t)B * P, W);
        else
            sine_backward_bias(dx, db, dy, ref, w0, (size_t)B * P, W);
        for (int w = 0; w < W; w++) {
            double sum = 0.5;
            for (size_t r = 0; r < (size_t)B * P; r++) {
                size_t i = r * W + w;
                double want = kind == 0 ? (ref[i] > 0 ? dy[i] : 0.0)
                                        : dy[i] * w0 * cos(w0 * (double)ref[i]);
                ck_assert_double_eq_tol(dx[i], want, 1e-5);
                sum += want;
            }
            ck_assert_double_eq_tol(db[w], sum, 1e-4);
        }
    }
    /* in place (dx == dy), as the model calls it */
    memcpy(dx, dy, n * sizeof *dx);
    relu_backward_bias(dx, NULL, dx, ref, (size_t)B * P, W);
    for (size_t i = 0; i < n; i++)
        ck_assert_float_eq(dx[i], ref[i] > 0 ? dy[i] : 0.0f);

    /* the first layer's sine backward equals gather, add, then sine_backward,
     * for every pixel (pix NULL) and for gathered pixels, also in place */
    enum { P_FULL = 7 };
    float *g = new_floats((size_t)P_FULL * W), *chain = new_floats(n);
    fill_uniform(g, (size_t)P_FULL * W, -2, 2);
    int32_t pix[B * P];
    for (int r = 0; r < B * P; r++)
        pix[r] = (r * 3 + 1) % P_FULL; /* repeats, as random pixels may */
    for (int gathered = 0; gathered < 2; gathered++) {
        const int32_t *which = gathered ? pix : NULL;
        rows_gather_forward(chain, g, which, B, P, W);
        rows_add_forward(chain, s, B, P, W);
        sine_backward(chain, dy, chain, w0, n);
        memcpy(dx, dy, n * sizeof *dx);
        gather_sine_backward(dx, dx, g, which, s, w0, B, P, W);
        for (size_t i = 0; i < n; i++)
            ck_assert_float_eq(dx[i], chain[i]);
    }
    free(g), free(chain);
    free(pre), free(bias), free(s), free(y), free(pre2), free(ref), free(dy), free(dx), free(db);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("layers");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, dense_forward_matches_triple_loop);
    tcase_add_test(tc, dense_backward_matches_loops_and_accumulates);
    tcase_add_test(tc, dense_gradients_match_finite_differences);
    tcase_add_test(tc, gradcheck_rejects_slightly_wrong_gradients);
    tcase_add_test(tc, relu_matches_reference_and_finite_differences);
    tcase_add_test(tc, sine_matches_reference_and_finite_differences);
    tcase_add_test(tc, vec_sin_cos_are_accurate);
    tcase_add_test(tc, rows_add_matches_reference_and_finite_differences);
    tcase_add_test(tc, rows_gather_matches_reference_and_finite_differences);
    tcase_add_test(tc, bce_matches_reference_and_finite_differences);
    tcase_add_test(tc, gaussian_matches_reference_and_finite_differences);
    tcase_add_test(tc, cb_log_norm_matches_float64_closed_form);
    tcase_add_test(tc, cb_matches_reference_and_finite_differences);
    tcase_add_test(tc, gaussian_learned_sigma_matches_reference_and_finite_differences);
    tcase_add_test(tc, laplace_matches_reference_and_finite_differences);
    tcase_add_test(tc, kl_matches_reference_and_finite_differences);
    tcase_add_test(tc, free_bits_match_reference_and_finite_differences);
    tcase_add_test(tc, ffl_matches_float64_dft_and_finite_differences);
    tcase_add_test(tc, reparam_matches_reference_and_finite_differences);
    tcase_add_test(tc, fused_row_passes_match_plain_loops);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
