/* test_conv.c - conv2d and conv2d_transpose (conv.h): forward against direct
 * loops that do not use im2col, every gradient (dx, dW, db) against central
 * finite differences, the accumulation rules, the adjoint identity between the
 * two layers, and the shape rules. */
#include "conv.h"
#include "gradcheck.h"
#include "parallel.h"
#include "rng.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The losses are L = Σ r_i·y_i (r fixed, U(−1, 1)), linear in every input and
 * weight, so a central difference has no truncation error at any step: only
 * float rounding of the outputs x_i touches is left (a few 1e-7 each, over
 * 2h = 0.1), far below GC_TOL even at the floor. A gradient 1% off gives ~5e-3
 * and fails (checked on every gradient below). */
#define GC_H 5e-2
#define GC_TOL 1e-3
#define GC_FLOOR 1e-2

static Rng rng;

static void setup(void)
{
    rng_seed(&rng, 4321, 3);
}

static float *new_floats(size_t n)
{
    return alloc_or_fail(n ? n : 1, sizeof(float));
}

static void fill_uniform(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = 2.0f * rng_uniform(&rng) - 1.0f;
}

/* The gradient passes, and the same gradient 1% off fails (the check is sharp). */
static void check_gradient(GradcheckLoss f, void *ctx, float *x, const float *g, size_t n,
                           const char *label)
{
    gradcheck_sharp(f, ctx, x, g, n, 300, GC_H, GC_FLOOR, GC_TOL, label);
}

/* ---- direct loops (no im2col) ---------------------------------------------- */

static size_t pixel_floats(const ConvShape *s)
{
    return (size_t)s->N * s->H * s->W * s->C;
}

static size_t patch_floats(const ConvShape *s)
{
    return (size_t)s->N * s->h * s->w * s->c;
}

/* y[n, i, j, co] = b[co] + Σ x[n, i·s − p + kh, j·s − p + kw, ci] · W[(kh·k + kw)·C + ci, co] */
static void naive_conv(float *y, const float *x, const float *W, const float *b, const ConvShape *s)
{
    for (int n = 0; n < s->N; n++)
        for (int i = 0; i < s->h; i++)
            for (int j = 0; j < s->w; j++)
                for (int co = 0; co < s->c; co++) {
                    double acc = b ? b[co] : 0;
                    for (int kh = 0; kh < s->k; kh++)
                        for (int kw = 0; kw < s->k; kw++) {
                            int ih = i * s->stride - s->pad + kh, iw = j * s->stride - s->pad + kw;
                            if (ih < 0 || ih >= s->H || iw < 0 || iw >= s->W)
                                continue;
                            for (int ci = 0; ci < s->C; ci++)
                                acc += (double)x[(((size_t)n * s->H + ih) * s->W + iw) * s->C + ci] *
                                       W[((size_t)(kh * s->k + kw) * s->C + ci) * s->c + co];
                        }
                    y[(((size_t)n * s->h + i) * s->w + j) * s->c + co] = (float)acc;
                }
}

/* The transposed convolution as a scatter: each input pixel (n, i, j, ci)
 * spreads x · W[ci, (kh·k + kw)·C + co] onto output (i·s − p + kh, j·s − p + kw). */
static void naive_conv_transpose(float *y, const float *x, const float *W, const float *b,
                                 const ConvShape *s)
{
    double *acc = calloc(pixel_floats(s), sizeof *acc);
    ck_assert_ptr_nonnull(acc);
    for (int n = 0; n < s->N; n++)
        for (int i = 0; i < s->h; i++)
            for (int j = 0; j < s->w; j++)
                for (int ci = 0; ci < s->c; ci++) {
                    double v = x[(((size_t)n * s->h + i) * s->w + j) * s->c + ci];
                    for (int kh = 0; kh < s->k; kh++)
                        for (int kw = 0; kw < s->k; kw++) {
                            int oh = i * s->stride - s->pad + kh, ow = j * s->stride - s->pad + kw;
                            if (oh < 0 || oh >= s->H || ow < 0 || ow >= s->W)
                                continue;
                            for (int co = 0; co < s->C; co++)
                                acc[(((size_t)n * s->H + oh) * s->W + ow) * s->C + co] +=
                                    v * W[(size_t)ci * s->k * s->k * s->C +
                                          (size_t)(kh * s->k + kw) * s->C + co];
                        }
                }
    for (size_t q = 0; q < pixel_floats(s); q++)
        y[q] = (float)(acc[q] + (b ? b[q % s->C] : 0));
    free(acc);
}

/* ---- one layer's case -------------------------------------------------------- */

typedef struct {
    ConvShape s;
    int transpose;
    float *x, *W, *b, *y, *r, *col, *dcol; /* x is the layer's input, y its output */
    size_t nx, nW, nb, ny;
} Case;

static Case make_case(int transpose, int N, int H, int W, int C, int c, int k, int stride, int pad)
{
    Case t = {.transpose = transpose};
    ck_assert_int_eq(conv_shape(&t.s, N, H, W, C, c, k, stride, pad), 0);
    size_t pix = pixel_floats(&t.s), patch = patch_floats(&t.s);
    t.nx = transpose ? patch : pix;
    t.ny = transpose ? pix : patch;
    t.nW = (size_t)k * k * C * c;
    t.nb = (size_t)(transpose ? C : c);
    t.x = new_floats(t.nx), t.W = new_floats(t.nW), t.b = new_floats(t.nb);
    t.y = new_floats(t.ny), t.r = new_floats(t.ny);
    t.col = new_floats(conv_col_floats(&t.s)), t.dcol = new_floats(conv_col_floats(&t.s));
    fill_uniform(t.x, t.nx), fill_uniform(t.W, t.nW), fill_uniform(t.b, t.nb);
    fill_uniform(t.r, t.ny);
    return t;
}

static void free_case(Case *t)
{
    free(t->x), free(t->W), free(t->b), free(t->y), free(t->r), free(t->col), free(t->dcol);
}

static void forward(Case *t)
{
    if (t->transpose)
        conv2d_transpose_forward(t->y, t->col, t->x, t->W, t->b, &t->s);
    else
        conv2d_forward(t->y, t->col, t->x, t->W, t->b, &t->s);
}

static void backward(Case *t, float *dx, float *dW, float *db)
{
    if (t->transpose)
        conv2d_transpose_backward(dx, dW, db, t->col, t->r, t->x, t->W, &t->s);
    else
        conv2d_backward(dx, dW, db, t->col, t->dcol, t->r, t->x, t->W, &t->s);
}

static double case_loss(void *ctx)
{
    Case *t = ctx;
    forward(t);
    return dot_double(t->r, t->y, t->ny);
}

/* The shapes checked: the models' kernel 4, stride 2, padding 1 (even and odd
 * sizes, one and several channels), and others that keep the parameters honest. */
static const int shapes[][8] = {
    /* N, H, W, C, c, k, stride, pad */
    {2, 8, 6, 3, 4, 4, 2, 1},
    {3, 7, 5, 1, 2, 4, 2, 1},
    {2, 5, 6, 2, 3, 3, 1, 1},
    {1, 9, 7, 2, 2, 3, 2, 0},
    {2, 4, 4, 5, 1, 2, 2, 0},
};
#define N_SHAPES ((int)(sizeof shapes / sizeof shapes[0]))

static Case shape_case(int transpose, int i)
{
    const int *v = shapes[i];
    return make_case(transpose, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
}

START_TEST(conv2d_forward_matches_direct_loop)
{
    Case t = shape_case(0, _i);
    float *want = new_floats(t.ny);
    for (int with_bias = 0; with_bias < 2; with_bias++) {
        naive_conv(want, t.x, t.W, with_bias ? t.b : NULL, &t.s);
        for (size_t q = 0; q < t.ny; q++)
            t.y[q] = 1e3f; /* y is overwritten */
        conv2d_forward(t.y, t.col, t.x, t.W, with_bias ? t.b : NULL, &t.s);
        assert_close(t.y, want, t.ny, 1e-5, "conv2d forward");
    }
    free(want);
    free_case(&t);
}
END_TEST

START_TEST(conv2d_transpose_forward_matches_direct_loop)
{
    Case t = shape_case(1, _i);
    float *want = new_floats(t.ny);
    for (int with_bias = 0; with_bias < 2; with_bias++) {
        naive_conv_transpose(want, t.x, t.W, with_bias ? t.b : NULL, &t.s);
        for (size_t q = 0; q < t.ny; q++)
            t.y[q] = 1e3f;
        conv2d_transpose_forward(t.y, t.col, t.x, t.W, with_bias ? t.b : NULL, &t.s);
        assert_close(t.y, want, t.ny, 1e-5, "conv2d_transpose forward");
    }
    free(want);
    free_case(&t);
}
END_TEST

static void check_layer_gradients(int transpose, int i)
{
    Case t = shape_case(transpose, i);
    float *dx = new_floats(t.nx), *dW = new_floats(t.nW), *db = new_floats(t.nb);
    backward(&t, dx, dW, db); /* dL/dy = r */
    char label[64];
    const char *name = transpose ? "convT" : "conv";
    snprintf(label, sizeof label, "%s shape %d dx", name, i);
    check_gradient(case_loss, &t, t.x, dx, t.nx, label);
    snprintf(label, sizeof label, "%s shape %d dW", name, i);
    check_gradient(case_loss, &t, t.W, dW, t.nW, label);
    snprintf(label, sizeof label, "%s shape %d db", name, i);
    check_gradient(case_loss, &t, t.b, db, t.nb, label);
    free(dx), free(dW), free(db);
    free_case(&t);
}

START_TEST(conv2d_gradients_match_finite_differences)
{
    check_layer_gradients(0, _i);
}
END_TEST

START_TEST(conv2d_transpose_gradients_match_finite_differences)
{
    check_layer_gradients(1, _i);
}
END_TEST

/* dW and db accumulate, dx is overwritten, and dx (with dcol) may be NULL. */
START_TEST(backward_accumulates_weights_and_overwrites_dx)
{
    for (int transpose = 0; transpose < 2; transpose++) {
        Case t = shape_case(transpose, 0);
        float *dx = new_floats(t.nx), *dW = new_floats(t.nW), *db = new_floats(t.nb);
        float *dx1 = new_floats(t.nx), *dW1 = new_floats(t.nW), *db1 = new_floats(t.nb);
        backward(&t, dx1, dW1, db1);
        for (size_t q = 0; q < t.nx; q++)
            dx[q] = 77.0f;
        backward(&t, dx, dW, db);
        backward(&t, dx, dW, db);
        assert_close(dx, dx1, t.nx, 1e-6, "dx after two calls");
        for (size_t q = 0; q < t.nW; q++)
            dW1[q] *= 2;
        for (size_t q = 0; q < t.nb; q++)
            db1[q] *= 2;
        assert_close(dW, dW1, t.nW, 1e-4, "dW accumulated twice");
        assert_close(db, db1, t.nb, 1e-4, "db accumulated twice");
        if (transpose)
            conv2d_transpose_backward(NULL, dW, NULL, t.col, t.r, t.x, t.W, &t.s);
        else
            conv2d_backward(NULL, dW, NULL, t.col, NULL, t.r, t.x, t.W, &t.s);
        for (size_t q = 0; q < t.nW; q++)
            dW1[q] *= 1.5f;
        assert_close(dW, dW1, t.nW, 2e-4, "dW without dx and db");
        assert_close(db, db1, t.nb, 1e-4, "db untouched");
        free(dx), free(dW), free(db), free(dx1), free(dW1), free(db1);
        free_case(&t);
    }
}
END_TEST

/* W[rows, cols] → Wt[cols, rows]. */
static void transpose_matrix(float *Wt, const float *W, int rows, int cols)
{
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            Wt[(size_t)j * rows + i] = W[(size_t)i * cols + j];
}

/* ⟨conv2d(u), v⟩ against ⟨u, conv2d_transpose(v)⟩ with the transposed weights:
 * the relative gap. */
static double adjoint_gap(const ConvShape *s, const float *u, const float *v, const float *W,
                          const float *Wt, float *col)
{
    size_t pix = pixel_floats(s), patch = patch_floats(s);
    float *cu = new_floats(patch), *tv = new_floats(pix);
    conv2d_forward(cu, col, u, W, NULL, s);
    conv2d_transpose_forward(tv, col, v, Wt, NULL, s);
    double a = dot_double(cu, v, patch), b = dot_double(u, tv, pix);
    free(cu), free(tv);
    return fabs(a - b) / fmax(fabs(a) + fabs(b), 1e-12);
}

/* The transposed convolution is the adjoint of the convolution with the same
 * kernel, to float rounding; and the check can fail: a kernel flipped in
 * space, or one weight changed, breaks it by far more than the rounding. */
START_TEST(conv2d_transpose_is_the_adjoint_of_conv2d)
{
    Case t = shape_case(0, _i); /* x on the pixel side, y (as r) on the patch side */
    int K = t.s.k * t.s.k * t.s.C;
    float *Wt = new_floats(t.nW);
    transpose_matrix(Wt, t.W, K, t.s.c);
    double gap = adjoint_gap(&t.s, t.x, t.r, t.W, Wt, t.col);
    ck_assert_msg(gap < 1e-5, "shape %d: <conv(x), y> and <x, convT(y)> differ by %g", _i, gap);

    /* A kernel flipped in space (kh, kw → k−1−kh, k−1−kw): a common bug. */
    float *flipped = new_floats(t.nW), *Wf = new_floats(t.nW);
    int k = t.s.k, C = t.s.C;
    for (int kh = 0; kh < k; kh++)
        for (int kw = 0; kw < k; kw++)
            memcpy(flipped + ((size_t)(kh * k + kw) * C) * t.s.c,
                   t.W + ((size_t)((k - 1 - kh) * k + (k - 1 - kw)) * C) * t.s.c,
                   (size_t)C * t.s.c * sizeof(float));
    transpose_matrix(Wf, flipped, K, t.s.c);
    double flipped_gap = adjoint_gap(&t.s, t.x, t.r, t.W, Wf, t.col);
    Wt[t.nW / 2] += 0.05f;
    double one_gap = adjoint_gap(&t.s, t.x, t.r, t.W, Wt, t.col);
    printf("adjoint shape %d: gap %.2e, flipped kernel %.2e, one weight +0.05 %.2e\n", _i, gap,
           flipped_gap, one_gap);
    ck_assert_msg(flipped_gap > 1e-3, "a flipped kernel passed the adjoint check (%g)",
                  flipped_gap);
    ck_assert_msg(one_gap > 1e-4, "one wrong weight passed the adjoint check (%g)", one_gap);
    free(Wt), free(flipped), free(Wf);
    free_case(&t);
}
END_TEST

START_TEST(shapes_follow_the_size_rules)
{
    ConvShape s;
    ck_assert_int_eq(conv_shape(&s, 2, 28, 28, 1, 32, 4, 2, 1), 0);
    ck_assert_int_eq(s.h, 14);
    ck_assert_int_eq(s.w, 14);
    ck_assert_int_eq(s.c, 32);
    ck_assert_int_eq(conv_shape(&s, 2, 7, 7, 1, 32, 4, 2, 1), 0);
    ck_assert_int_eq(s.h, 3); /* floor((7 + 2 − 4) / 2) + 1 */
    ck_assert_int_eq(conv_shape(&s, 2, 2, 2, 1, 1, 4, 2, 1), 0);
    ck_assert_int_eq(s.h, 1);
    ck_assert_int_eq(conv_shape(&s, 2, 1, 4, 1, 1, 4, 2, 1), -1); /* 1 + 2 < 4 */
    ck_assert_int_eq(conv_shape(&s, 0, 4, 4, 1, 1, 4, 2, 1), -1);

    ck_assert_int_eq(conv_transpose_shape(&s, 3, 7, 4, 64, 32, 4, 2, 1), 0);
    ck_assert_int_eq(s.H, 14);
    ck_assert_int_eq(s.W, 8);
    ck_assert_int_eq(s.C, 32);
    ck_assert_int_eq(s.h, 7);
    ck_assert_int_eq(s.c, 64);
    ck_assert_int_eq((int)conv_col_floats(&s), 3 * 7 * 4 * 16 * 32);
    ck_assert_double_eq(conv_gemm_flops(&s), 2.0 * 3 * 7 * 4 * 16 * 32 * 64);
    ck_assert_int_eq(conv_transpose_shape(&s, 1, 1, 1, 1, 1, 1, 1, 1), -1); /* H = −1 */
}
END_TEST

/* Split over two threads, the layers give the same results as on one. */
START_TEST(threads_do_not_change_results)
{
    for (int transpose = 0; transpose < 2; transpose++) {
        Case t = make_case(transpose, 6, 8, 8, 3, 4, 4, 2, 1);
        float *y1 = new_floats(t.ny), *dx1 = new_floats(t.nx), *dx2 = new_floats(t.nx);
        float *dW1 = new_floats(t.nW), *dW2 = new_floats(t.nW);
        ck_assert_int_eq(threads_use(1), 1);
        forward(&t);
        memcpy(y1, t.y, t.ny * sizeof(float));
        backward(&t, dx1, dW1, NULL);
        ck_assert_int_eq(threads_use(2), 2);
        forward(&t);
        backward(&t, dx2, dW2, NULL);
        assert_close(t.y, y1, t.ny, 1e-5, "forward on two threads");
        assert_close(dx2, dx1, t.nx, 1e-5, "dx on two threads");
        assert_close(dW2, dW1, t.nW, 1e-4, "dW on two threads");
        ck_assert_int_eq(threads_use(1), 1);
        free(y1), free(dx1), free(dx2), free(dW1), free(dW2);
        free_case(&t);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conv");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, conv2d_forward_matches_direct_loop, 0, N_SHAPES);
    tcase_add_loop_test(tc, conv2d_transpose_forward_matches_direct_loop, 0, N_SHAPES);
    tcase_add_loop_test(tc, conv2d_gradients_match_finite_differences, 0, N_SHAPES);
    tcase_add_loop_test(tc, conv2d_transpose_gradients_match_finite_differences, 0, N_SHAPES);
    tcase_add_test(tc, backward_accumulates_weights_and_overwrites_dx);
    tcase_add_loop_test(tc, conv2d_transpose_is_the_adjoint_of_conv2d, 0, N_SHAPES);
    tcase_add_test(tc, shapes_follow_the_size_rules);
    tcase_add_test(tc, threads_do_not_change_results);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
