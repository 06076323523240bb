/* layers.c - dense (SGEMM), ReLU, sine, vectorised sin/cos and the row
 * broadcast/gather of the split first layer. The heavy work is cblas_sgemm;
 * every other loop is a flat, allocation-free pass that gcc -O2 vectorises.
 * parallel_for splits both over the threads: a GEMM by rows of its output
 * (each slice on one OpenBLAS thread), a pass by rows or elements. Results do
 * not depend on the split except for the order in which per-part partial
 * sums (bias gradients) are added.
 * "#pragma GCC ivdep" tells gcc that the permitted in-place calls (y == x)
 * carry no dependence between iterations, so it needs no runtime alias check
 * (which gcc -O2 would not emit, leaving the loop scalar). */
#include "layers.h"

#include "bf16.h"
#include "fastmath.h"
#include "parallel.h"

#include <cblas.h>
#include <stdint.h>
#include <string.h>

/* A part gets at least this many floats of work: below it, waking a worker
 * costs more than the pass (a wake-up is some microseconds). */
#define MIN_FLOATS_PER_PART 16384

static size_t min_rows(int W)
{
    return W >= MIN_FLOATS_PER_PART ? 1 : (size_t)(MIN_FLOATS_PER_PART / (W > 0 ? W : 1));
}

/* dst[W] += src[W]; the two rows never overlap. */
static void add_row(float *restrict dst, const float *restrict src, int W)
{
    size_t n = (size_t)(W > 0 ? W : 0);
    FF_ELEMENTWISE(w, n, dst[w] += src[w]);
}

/* ---- row sums: acc[W] += Σ_rows x[N, W], split by rows --------------------- */

typedef struct {
    const float *x;
    int W;
} RowSumJob;

static void row_sum_part(void *arg, size_t r0, size_t r1, int part)
{
    const RowSumJob *j = arg;
    float *partial = parallel_scratch(part);
    memset(partial, 0, (size_t)j->W * sizeof *partial);
    for (size_t r = r0; r < r1; r++)
        add_row(partial, j->x + r * j->W, j->W);
}

/* Adds the parts' partial rows to acc, in part order (so the sum is the same
 * for the same thread count). */
static void add_partials(float *acc, int parts, int W)
{
    for (int k = 0; k < parts; k++)
        add_row(acc, parallel_scratch(k), W);
}

static void sum_rows_into(float *acc, const float *x, size_t N, int W)
{
    if (W > PARALLEL_SCRATCH_FLOATS) { /* wider than a partial row (a dense output) */
        for (size_t r = 0; r < N; r++)
            add_row(acc, x + r * W, W);
        return;
    }
    RowSumJob j = {x, W};
    add_partials(acc, parallel_for(N, min_rows(W), row_sum_part, &j), W);
}

/* ---- dense: every GEMM split over the parts, each on one OpenBLAS thread ---- */

/* A part's GEMM slice is at least this many rows (or dW rows/columns): a
 * smaller slice packs more than it multiplies. */
#define MIN_GEMM_SLICE 16

typedef struct {
    float *y;            /* forward: y[N, out]; backward: dx[N, in] or dW[in, out] */
    const float *b;      /* forward: bias rows to fill (or NULL) */
    const float *x, *dy; /* the layer's input, and dy for backward */
    const float *W;      /* weights [in, out] */
    int in, out, n_rows; /* n_rows: N, the sum's length for dW */
} DenseJob;

/* y rows [r0, r1) = bias, then += x rows · W. */
static void forward_part(void *arg, size_t r0, size_t r1, int part)
{
    const DenseJob *j = arg;
    size_t rows = r1 - r0;
    float *y = j->y + r0 * j->out;
    (void)part;
    if (j->b)
        for (size_t r = 0; r < rows; r++)
            memcpy(y + r * j->out, j->b, (size_t)j->out * sizeof *y);
    // y[rows, out] = x[rows, in] · W[in, out] (+ the bias rows)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, j->out, j->in, 1.0f,
                j->x + r0 * j->in, j->in, j->W, j->out, j->b ? 1.0f : 0.0f, y, j->out);
}

/* dx rows [r0, r1) = dy rows · Wᵀ. */
static void backward_dx_part(void *arg, size_t r0, size_t r1, int part)
{
    const DenseJob *j = arg;
    (void)part;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(r1 - r0), j->in, j->out, 1.0f,
                j->dy + r0 * j->out, j->out, j->W, j->out, 0.0f, j->y + r0 * j->in, j->in);
}

/* dW rows [i0, i1) += x[:, i0:i1]ᵀ · dy: each part owns whole rows of dW, so
 * nothing is reduced across parts. */
static void backward_dW_rows_part(void *arg, size_t i0, size_t i1, int part)
{
    const DenseJob *j = arg;
    (void)part;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(i1 - i0), j->out, j->n_rows,
                1.0f, j->x + i0, j->in, j->dy, j->out, 1.0f, j->y + i0 * j->out, j->out);
}

/* dW columns [c0, c1) += xᵀ · dy[:, c0:c1] (layers with more outputs than inputs). */
static void backward_dW_cols_part(void *arg, size_t c0, size_t c1, int part)
{
    const DenseJob *j = arg;
    (void)part;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, j->in, (int)(c1 - c0), j->n_rows,
                1.0f, j->x, j->in, j->dy + c0, j->out, 1.0f, j->y + c0, j->out);
}

void dense_forward(float *y, const float *x, const float *W, const float *b,
                   int N, int in, int out)
{
    if (N <= 0 || out <= 0)
        return;
    if (in <= 0) { /* a bias-only layer */
        for (int n = 0; n < N; n++) {
            if (b)
                memcpy(y + (size_t)n * out, b, (size_t)out * sizeof *y);
            else
                memset(y + (size_t)n * out, 0, (size_t)out * sizeof *y);
        }
        return;
    }
    DenseJob j = {.y = y, .b = b, .x = x, .W = W, .in = in, .out = out};
    parallel_for((size_t)N, MIN_GEMM_SLICE, forward_part, &j);
}

void dense_backward(float *dx, float *dW, float *db, const float *dy,
                    const float *x, const float *W, int N, int in, int out)
{
    if (N <= 0)
        return;
    if (out <= 0) {
        if (dx && in > 0)
            memset(dx, 0, (size_t)N * in * sizeof *dx);
        return;
    }
    if (in > 0) { /* in = 0 is a bias-only layer, as in dense_forward */
        if (dx) {
            DenseJob j = {.y = dx, .dy = dy, .W = W, .in = in, .out = out};
            parallel_for((size_t)N, MIN_GEMM_SLICE, backward_dx_part, &j);
        }
        DenseJob j = {.y = dW, .x = x, .dy = dy, .in = in, .out = out, .n_rows = N};
        if (in >= out)
            parallel_for((size_t)in, MIN_GEMM_SLICE, backward_dW_rows_part, &j);
        else
            parallel_for((size_t)out, MIN_GEMM_SLICE, backward_dW_cols_part, &j);
    }
    if (db)
        sum_rows_into(db, dy, (size_t)N, out);
}

/* ---- element-wise activations and sin/cos, split by elements ----------- */

typedef struct {
    float *out;
    const float *a, *b; /* the pass's inputs, in its argument order */
    float w0;
} FlatJob;

static void relu_forward_part(void *arg, size_t i0, size_t i1, int part)
{
    const FlatJob *j = arg;
    float *y = j->out + i0;
    const float *x = j->a + i0;
    size_t n = i1 - i0;
    (void)part;
    FF_ELEMENTWISE(i, n, y[i] = ff_select(x[i] > 0.0f, x[i], 0.0f));
}

static void relu_backward_part(void *arg, size_t i0, size_t i1, int part)
{
    const FlatJob *j = arg;
    float *dx = j->out + i0;
    const float *dy = j->a + i0, *y = j->b + i0;
    size_t n = i1 - i0;
    (void)part;
    FF_ELEMENTWISE(i, n, dx[i] = ff_select(y[i] > 0.0f, dy[i], 0.0f));
}

FF_VECTOR_CLONES static void sine_forward_part(void *arg, size_t i0, size_t i1, int part)
{
    const FlatJob *j = arg;
    float *y = j->out + i0, w0 = j->w0;
    const float *x = j->a + i0;
    size_t n = i1 - i0;
    (void)part;
    FF_ELEMENTWISE(i, n, y[i] = ff_sin(w0 * x[i]));
}

FF_VECTOR_CLONES static void sine_backward_part(void *arg, size_t i0, size_t i1, int part)
{
    const FlatJob *j = arg;
    float *dx = j->out + i0, w0 = j->w0;
    const float *dy = j->a + i0, *x = j->b + i0;
    size_t n = i1 - i0;
    (void)part;
    FF_ELEMENTWISE(i, n, dx[i] = dy[i] * w0 * ff_cos(w0 * x[i]));
}

FF_VECTOR_CLONES static void sin_part(void *arg, size_t i0, size_t i1, int part)
{
    const FlatJob *j = arg;
    float *y = j->out + i0;
    const float *x = j->a + i0;
    size_t n = i1 - i0;
    (void)part;
    FF_ELEMENTWISE(i, n, y[i] = ff_sin(x[i]));
}

FF_VECTOR_CLONES static void cos_part(void *arg, size_t i0, size_t i1, int part)
{
    const FlatJob *j = arg;
    float *y = j->out + i0;
    const float *x = j->a + i0;
    size_t n = i1 - i0;
    (void)part;
    FF_ELEMENTWISE(i, n, y[i] = ff_cos(x[i]));
}

static void run_flat(ParallelFn fn, float *out, const float *a, const float *b, float w0,
                     size_t n)
{
    FlatJob j = {out, a, b, w0};
    parallel_for(n, MIN_FLOATS_PER_PART, fn, &j);
}

void relu_forward(float *y, const float *x, size_t n)
{
    run_flat(relu_forward_part, y, x, NULL, 0.0f, n);
}

void relu_backward(float *dx, const float *dy, const float *y, size_t n)
{
    run_flat(relu_backward_part, dx, dy, y, 0.0f, n);
}

void sine_forward(float *y, const float *x, float w0, size_t n)
{
    run_flat(sine_forward_part, y, x, NULL, w0, n);
}

void sine_backward(float *dx, const float *dy, const float *x, float w0, size_t n)
{
    run_flat(sine_backward_part, dx, dy, x, w0, n);
}

void vec_sin(float *y, const float *x, size_t n)
{
    run_flat(sin_part, y, x, NULL, 0.0f, n);
}

void vec_cos(float *y, const float *x, size_t n)
{
    run_flat(cos_part, y, x, NULL, 0.0f, n);
}

/* ---- row broadcast and gather of the split first layer, split by rows ---- */

typedef struct {
    float *y;
    const float *src; /* s[B, W] for rows_add_*, g[P_full, W] for rows_gather_* */
    const int32_t *pix;
    int B, P, W;
} RowsJob;

static void rows_add_forward_part(void *arg, size_t r0, size_t r1, int part)
{
    const RowsJob *j = arg;
    (void)part;
    for (size_t r = r0; r < r1; r++)
        add_row(j->y + r * j->W, j->src + r / (size_t)j->P * j->W, j->W);
}

void rows_add_forward(float *y, const float *s, int B, int P, int W)
{
    RowsJob j = {y, s, NULL, B, P, W};
    parallel_for((size_t)B * P, min_rows(W), rows_add_forward_part, &j);
}

/* out[W] = Σ_k src rows first + k·stride, k < count: an image's rows
 * (stride 1) or one pixel's row in every image (stride P). */
static void sum_strided_rows(float *out, const float *src, size_t first, size_t stride,
                             int count, int W)
{
    memset(out, 0, (size_t)W * sizeof *out);
    for (int k = 0; k < count; k++)
        add_row(out, src + (first + (size_t)k * stride) * (size_t)W, W);
}

/* Images [b0, b1): each image's row sum, written by one part. */
static void rows_add_backward_part(void *arg, size_t b0, size_t b1, int part)
{
    const RowsJob *j = arg;
    (void)part;
    for (size_t b = b0; b < b1; b++)
        sum_strided_rows(j->y + b * j->W, j->src, b * j->P, 1, j->P, j->W);
}

void rows_add_backward(float *ds, const float *dy, int B, int P, int W)
{
    if (B <= 0)
        return;
    if (B > 1) { /* split by images */
        RowsJob j = {ds, dy, NULL, B, P, W};
        parallel_for((size_t)B, 1, rows_add_backward_part, &j);
        return;
    }
    memset(ds, 0, (size_t)W * sizeof *ds); /* one image (fit): split its rows */
    sum_rows_into(ds, dy, (size_t)P, W);
}

static void rows_gather_forward_part(void *arg, size_t r0, size_t r1, int part)
{
    const RowsJob *j = arg;
    const size_t row_bytes = (size_t)j->W * sizeof *j->y;
    (void)part;
    for (size_t r = r0; r < r1; r++) {
        size_t src = j->pix ? (size_t)j->pix[r] : r % (size_t)j->P;
        memcpy(j->y + r * j->W, j->src + src * j->W, row_bytes);
    }
}

void rows_gather_forward(float *y, const float *g, const int32_t *pix, int B, int P, int W)
{
    RowsJob j = {y, g, pix, B, P, W};
    parallel_for((size_t)B * P, min_rows(W), rows_gather_forward_part, &j);
}

/* All pixels: grid rows [p0, p1), each summed over the images by one part. */
static void rows_gather_backward_part(void *arg, size_t p0, size_t p1, int part)
{
    const RowsJob *j = arg;
    (void)part;
    for (size_t p = p0; p < p1; p++)
        sum_strided_rows(j->y + p * j->W, j->src, p, (size_t)j->P, j->B, j->W);
}

void rows_gather_backward(float *dg, const float *dy, const int32_t *pix, int B, int P,
                          int P_full, int W)
{
    if (!pix) { /* every pixel once per image: split the grid rows */
        RowsJob j = {dg, dy, NULL, B, P, W};
        if (P_full > P)
            memset(dg + (size_t)P * W, 0, (size_t)(P_full - P) * W * sizeof *dg);
        parallel_for((size_t)P, min_rows(W) / (B > 0 ? (size_t)B : 1) + 1,
                     rows_gather_backward_part, &j);
        return;
    }
    /* Random pixels may repeat across images: one thread scatters. */
    memset(dg, 0, (size_t)P_full * W * sizeof *dg);
    for (int b = 0; b < B; b++) {
        for (int p = 0; p < P; p++) {
            size_t row = (size_t)b * P + p;
            add_row(dg + (size_t)pix[row] * W, dy + row * W, W);
        }
    }
}

/* ---- fused row passes, split by rows ------------------------------------- */

/* shift[W] = bias + s (either may be NULL): the per-image row added to pre. */
static void row_shift(float *restrict shift, const float *bias, const float *s, int W)
{
    for (int w = 0; w < W; w++)
        shift[w] = (bias ? bias[w] : 0.0f) + (s ? s[w] : 0.0f);
}

/* The fused passes' on-stack shift row holds the widest layer; their bias
 * gradients reduce partial rows in the pool's scratch, which must too. */
_Static_assert(PARALLEL_SCRATCH_FLOATS >= MAX_LAYER_WIDTH,
               "a partial bias-gradient row must fit the pool's scratch");

typedef struct {
    float *y, *pre;          /* forward: output, pre-activation (relu: pre == y) */
    float *db;               /* backward: bias gradient, or NULL */
    const float *bias, *s;   /* forward: bias[W], per-image s[B, W]; either may be NULL */
    const float *dy, *saved; /* backward: incoming gradient, relu's y or sine's pre */
    float w0;
    int P, W;
} FusedJob;

/* The shift row of the image that row r belongs to, recomputed when r enters
 * a new image. */
static void shift_for_row(float *shift, size_t *image, const FusedJob *j, size_t r)
{
    size_t b = r / (size_t)j->P;
    if (b != *image) {
        row_shift(shift, j->bias, j->s ? j->s + b * j->W : NULL, j->W);
        *image = b;
    }
}

static void bias_relu_part(void *arg, size_t r0, size_t r1, int part)
{
    const FusedJob *j = arg;
    float shift[MAX_LAYER_WIDTH];
    size_t image = SIZE_MAX, n = (size_t)j->W;
    (void)part;
    for (size_t r = r0; r < r1; r++) {
        shift_for_row(shift, &image, j, r);
        float *row = j->y + r * n; // [W]
        FF_ELEMENTWISE(w, n, row[w] = ff_select(row[w] + shift[w] > 0.0f,
                                                row[w] + shift[w], 0.0f));
    }
}

void bias_relu_forward(float *y, const float *bias, const float *s, int B, int P, int W)
{
    FusedJob j = {.y = y, .bias = bias, .s = s, .P = P, .W = W};
    parallel_for((size_t)B * P, min_rows(W), bias_relu_part, &j);
}

FF_VECTOR_CLONES static void bias_sine_part(void *arg, size_t r0, size_t r1, int part)
{
    const FusedJob *j = arg;
    float shift[MAX_LAYER_WIDTH], w0 = j->w0;
    size_t image = SIZE_MAX, n = (size_t)j->W;
    (void)part;
    for (size_t r = r0; r < r1; r++) {
        shift_for_row(shift, &image, j, r);
        float *x = j->pre + r * n, *out = j->y + r * n;
        FF_ELEMENTWISE(w, n, (x[w] += shift[w], out[w] = ff_sin(w0 * x[w])));
    }
}

void bias_sine_forward(float *y, float *pre, const float *bias, const float *s, float w0,
                       int B, int P, int W)
{
    FusedJob j = {.y = y, .pre = pre, .bias = bias, .s = s, .w0 = w0, .P = P, .W = W};
    parallel_for((size_t)B * P, min_rows(W), bias_sine_part, &j);
}

/* Backward parts write dx rows and, with db, their partial bias gradient into
 * the part's scratch row; run_backward_bias adds the partials to db. */
static void relu_backward_bias_part(void *arg, size_t r0, size_t r1, int part)
{
    const FusedJob *j = arg;
    size_t n = (size_t)j->W;
    float *partial = j->db ? parallel_scratch(part) : NULL;
    if (partial)
        memset(partial, 0, n * sizeof *partial);
    for (size_t r = r0; r < r1; r++) {
        float *dxr = j->y + r * n;
        const float *dyr = j->dy + r * n, *yr = j->saved + r * n;
        FF_ELEMENTWISE(w, n, dxr[w] = ff_select(yr[w] > 0.0f, dyr[w], 0.0f));
        if (partial)
            add_row(partial, dxr, j->W);
    }
}

FF_VECTOR_CLONES static void sine_backward_bias_part(void *arg, size_t r0, size_t r1, int part)
{
    const FusedJob *j = arg;
    size_t n = (size_t)j->W;
    float w0 = j->w0, *partial = j->db ? parallel_scratch(part) : NULL;
    if (partial)
        memset(partial, 0, n * sizeof *partial);
    for (size_t r = r0; r < r1; r++) {
        float *dxr = j->y + r * n;
        const float *dyr = j->dy + r * n, *xr = j->saved + r * n;
        FF_ELEMENTWISE(w, n, dxr[w] = dyr[w] * w0 * ff_cos(w0 * xr[w]));
        if (partial)
            add_row(partial, dxr, j->W);
    }
}

static void run_backward_bias(ParallelFn fn, FusedJob *j, size_t N)
{
    int parts = parallel_for(N, min_rows(j->W), fn, j);
    if (j->db)
        add_partials(j->db, parts, j->W);
}

void relu_backward_bias(float *dx, float *db, const float *dy, const float *y, size_t N, int W)
{
    FusedJob j = {.y = dx, .db = db, .dy = dy, .saved = y, .W = W};
    run_backward_bias(relu_backward_bias_part, &j, N);
}

void sine_backward_bias(float *dx, float *db, const float *dy, const float *pre, float w0,
                        size_t N, int W)
{
    FusedJob j = {.y = dx, .db = db, .dy = dy, .saved = pre, .w0 = w0, .W = W};
    run_backward_bias(sine_backward_bias_part, &j, N);
}

typedef struct {
    float *dx;
    const float *dy, *g, *s;
    const int32_t *pix;
    float w0;
    int P, W;
} GatherSineJob;

FF_VECTOR_CLONES static void gather_sine_backward_part(void *arg, size_t r0, size_t r1,
                                                       int part)
{
    const GatherSineJob *j = arg;
    size_t n = (size_t)j->W;
    float w0 = j->w0;
    (void)part;
    for (size_t r = r0; r < r1; r++) {
        size_t src = j->pix ? (size_t)j->pix[r] : r % (size_t)j->P;
        const float *gr = j->g + src * n, *sr = j->s + r / (size_t)j->P * n;
        const float *dyr = j->dy + r * n;
        float *dxr = j->dx + r * n;
        FF_ELEMENTWISE(w, n, dxr[w] = dyr[w] * w0 * ff_cos(w0 * (gr[w] + sr[w])));
    }
}

void gather_sine_backward(float *dx, const float *dy, const float *g, const int32_t *pix,
                          const float *s, float w0, int B, int P, int W)
{
    GatherSineJob j = {dx, dy, g, s, pix, w0, P, W};
    parallel_for((size_t)B * P, min_rows(W), gather_sine_backward_part, &j);
}

/* ---- bf16 twins ------------------------------------------------------------ */

int dense_forward_bf16(GemmCache *g, float *y, const uint16_t *x, const uint16_t *W,
                       const float *b, int N, int in, int out)
{
    // y[N, out] = x[N, in] · W[in, out] + b
    GemmArgs a = {.a = x, .a_rs = in, .a_cs = 1, .b = W, .b_rs = out, .b_cs = 1,
                  .c = y, .bias = b, .M = N, .N = out, .K = in};
    return gemm_bf16(g, &a);
}

int dense_bias_relu_forward_bf16(GemmCache *g, uint16_t *yb, const uint16_t *x,
                                 const uint16_t *W, const float *b, int N, int in, int out)
{
    GemmArgs a = {.a = x, .a_rs = in, .a_cs = 1, .b = W, .b_rs = out, .b_cs = 1,
                  .c_bf16 = yb, .bias = b, .M = N, .N = out, .K = in, .relu = 1};
    return gemm_bf16(g, &a);
}

/* dx (fp32) or dxb (bf16), whichever is set, then dW. */
static int backward_bf16(GemmCache *g, float *dx, uint16_t *dxb, float *dW, const uint16_t *dy,
                         const uint16_t *x, const uint16_t *W, int N, int in, int out)
{
    if (dx || dxb) { // dx[N, in] = dy[N, out] · Wᵀ: W read through transposed strides
        GemmArgs a = {.a = dy, .a_rs = out, .a_cs = 1, .b = W, .b_rs = 1, .b_cs = out,
                      .c = dx, .c_bf16 = dxb, .M = N, .N = in, .K = out};
        if (gemm_bf16(g, &a) != 0)
            return -1;
    }
    // dW[in, out] += xᵀ[in, N] · dy[N, out], split by rows of dW as in dense_backward
    GemmArgs a = {.a = x, .a_rs = 1, .a_cs = in, .b = dy, .b_rs = out, .b_cs = 1,
                  .c = dW, .M = in, .N = out, .K = N, .accumulate = 1};
    return gemm_bf16(g, &a);
}

int dense_backward_bf16(GemmCache *g, float *dx, float *dW, const uint16_t *dy,
                        const uint16_t *x, const uint16_t *W, int N, int in, int out)
{
    return backward_bf16(g, dx, NULL, dW, dy, x, W, N, in, out);
}

int dense_backward_bf16_dxb(GemmCache *g, uint16_t *dxb, float *dW, const uint16_t *dy,
                            const uint16_t *x, const uint16_t *W, int N, int in, int out)
{
    return backward_bf16(g, NULL, dxb, dW, dy, x, W, N, in, out);
}

void bias_backward(float *db, const float *dy, size_t N, int W)
{
    sum_rows_into(db, dy, N, W);
}

/* [B, W] per image: too small to be worth threads. */
void scale_bias_rows(float *y, float s, const float *b, size_t N, int W)
{
    for (size_t n = 0; n < N; n++) {
        float *row = y + n * (size_t)W;
        for (int j = 0; j < W; j++)
            row[j] = s * row[j] + (b ? b[j] : 0.0f);
    }
}

/* The bf16 passes run only where bf16_check passed, so on a CPU with
 * AVX512-BF16 and hence AVX2: compiled for AVX2 directly (8 floats a vector).
 * No FMA, so the arithmetic, and the result, is the fp32 twin's. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define BF16_PASS __attribute__((target("avx2")))
#else
#define BF16_PASS
#endif

/* add_row for the bf16 passes, in AVX2 like them (and inlined into them). */
BF16_PASS static inline void add_row_inline(float *restrict dst, const float *restrict src, int W)
{
    size_t n = (size_t)(W > 0 ? W : 0);
    FF_ELEMENTWISE(w, n, dst[w] += src[w]);
}

typedef struct {
    uint16_t *yb;            /* the bf16 output */
    FusedJob f;              /* the fp32 twin's job */
    const float *g;          /* gather_*: rows of g[P_full, W] in place of pre (not written) */
    const int32_t *pix;
} FusedBf16Job;

/* Row r's input: pre's row, or the gathered row of g. */
static inline float *input_row(const FusedBf16Job *jb, size_t r)
{
    const FusedJob *j = &jb->f;
    if (!jb->g)
        return j->pre + r * (size_t)j->W;
    size_t src = jb->pix ? (size_t)jb->pix[r] : r % (size_t)j->P;
    return (float *)jb->g + src * (size_t)j->W;
}

BF16_PASS static void bias_relu_bf16_part(void *arg, size_t r0, size_t r1, int part)
{
    const FusedBf16Job *jb = arg;
    const FusedJob *j = &jb->f;
    float shift[MAX_LAYER_WIDTH], row[MAX_LAYER_WIDTH];
    size_t image = SIZE_MAX, n = (size_t)j->W;
    (void)part;
    for (size_t r = r0; r < r1; r++) {
        shift_for_row(shift, &image, j, r);
        const float *x = input_row(jb, r); // [W]
        FF_ELEMENTWISE(w, n, row[w] = ff_select(x[w] + shift[w] > 0.0f, x[w] + shift[w], 0.0f));
        bf16_from_floats(jb->yb + r * n, row, n);
    }
}

void bias_relu_forward_bf16(uint16_t *yb, const float *pre, const float *bias, const float *s,
                            int B, int P, int W)
{
    FusedBf16Job j = {yb, {.pre = (float *)pre, .bias = bias, .s = s, .P = P, .W = W}, NULL, NULL};
    parallel_for((size_t)B * P, min_rows(W), bias_relu_bf16_part, &j);
}

BF16_PASS static void bias_sine_bf16_part(void *arg, size_t r0, size_t r1, int part);

void gather_relu_forward_bf16(uint16_t *yb, const float *g, const int32_t *pix, const float *s,
                              int B, int P, int W)
{
    FusedBf16Job j = {yb, {.s = s, .P = P, .W = W}, g, pix};
    parallel_for((size_t)B * P, min_rows(W), bias_relu_bf16_part, &j);
}

void gather_sine_forward_bf16(uint16_t *yb, const float *g, const int32_t *pix, const float *s,
                              float w0, int B, int P, int W)
{
    FusedBf16Job j = {yb, {.s = s, .w0 = w0, .P = P, .W = W}, g, pix};
    parallel_for((size_t)B * P, min_rows(W), bias_sine_bf16_part, &j);
}

BF16_PASS static void bias_sine_bf16_part(void *arg, size_t r0, size_t r1, int part)
{
    const FusedBf16Job *jb = arg;
    const FusedJob *j = &jb->f;
    float shift[MAX_LAYER_WIDTH], row[MAX_LAYER_WIDTH], w0 = j->w0;
    size_t image = SIZE_MAX, n = (size_t)j->W;
    (void)part;
    for (size_t r = r0; r < r1; r++) {
        shift_for_row(shift, &image, j, r);
        float *x = input_row(jb, r);
        if (jb->g) /* gathered: the pre-activation is not kept (backward re-forms it) */
            FF_ELEMENTWISE(w, n, row[w] = ff_sin(w0 * (x[w] + shift[w])));
        else
            FF_ELEMENTWISE(w, n, (x[w] += shift[w], row[w] = ff_sin(w0 * x[w])));
        bf16_from_floats(jb->yb + r * n, row, n);
    }
}

void bias_sine_forward_bf16(uint16_t *yb, float *pre, const float *bias, const float *s,
                            float w0, int B, int P, int W)
{
    FusedBf16Job j = {yb, {.pre = pre, .bias = bias, .s = s, .w0 = w0, .P = P, .W = W}, NULL, NULL};
    parallel_for((size_t)B * P, min_rows(W), bias_sine_bf16_part, &j);
}

typedef struct {
    uint16_t *dxb;
    float *dx, *db;
    const float *dy, *pre;
    const uint16_t *dyb; /* dy in bf16 instead (relu_backward_bias_from_bf16) */
    const uint16_t *y;
    float w0;
    int W;
} BackBf16Job;

/* The backward parts: dx row (fp32, on the stack unless kept), its partial
 * bias sum, and its bf16 copy. */
BF16_PASS static inline void finish_backward_row(const BackBf16Job *j, float *partial, const float *row, size_t r)
{
    size_t n = (size_t)j->W;
    if (partial)
        add_row_inline(partial, row, j->W);
    if (j->dxb)
        bf16_from_floats(j->dxb + r * n, row, n);
}

BF16_PASS static void relu_backward_bias_bf16_part(void *arg, size_t r0, size_t r1, int part)
{
    const BackBf16Job *j = arg;
    size_t n = (size_t)j->W;
    float tmp[MAX_LAYER_WIDTH], *partial = j->db ? parallel_scratch(part) : NULL;
    if (partial)
        memset(partial, 0, n * sizeof *partial);
    for (size_t r = r0; r < r1; r++) {
        float *row = j->dx ? j->dx + r * n : tmp;
        const uint16_t *yr = j->y + r * n;
        /* y > 0 in bf16 bits: sign clear and not zero, i.e. 1 ≤ y_bits ≤ 0x7fff. */
        if (j->dyb) {
            const uint16_t *dyr = j->dyb + r * n;
            FF_ELEMENTWISE(w, n, row[w] = ff_select((uint16_t)(yr[w] - 1u) < 0x7fffu,
                                                    bf16_value(dyr[w]), 0.0f));
        } else {
            const float *dyr = j->dy + r * n;
            FF_ELEMENTWISE(w, n, row[w] = ff_select((uint16_t)(yr[w] - 1u) < 0x7fffu, dyr[w], 0.0f));
        }
        finish_backward_row(j, partial, row, r);
    }
}

BF16_PASS static void sine_backward_bias_bf16_part(void *arg, size_t r0, size_t r1,
                                                          int part)
{
    const BackBf16Job *j = arg;
    size_t n = (size_t)j->W;
    float tmp[MAX_LAYER_WIDTH], w0 = j->w0, *partial = j->db ? parallel_scratch(part) : NULL;
    if (partial)
        memset(partial, 0, n * sizeof *partial);
    for (size_t r = r0; r < r1; r++) {
        float *row = j->dx ? j->dx + r * n : tmp;
        const float *xr = j->pre + r * n;
        if (j->dyb) {
            const uint16_t *dyr = j->dyb + r * n;
            FF_ELEMENTWISE(w, n, row[w] = bf16_value(dyr[w]) * w0 * ff_cos(w0 * xr[w]));
        } else {
            const float *dyr = j->dy + r * n;
            FF_ELEMENTWISE(w, n, row[w] = dyr[w] * w0 * ff_cos(w0 * xr[w]));
        }
        finish_backward_row(j, partial, row, r);
    }
}

static void run_backward_bf16(ParallelFn fn, BackBf16Job *j, size_t N)
{
    int parts = parallel_for(N, min_rows(j->W), fn, j);
    if (j->db)
        add_partials(j->db, parts, j->W);
}

void relu_backward_bias_bf16(uint16_t *dxb, float *dx, float *db, const float *dy,
                             const uint16_t *y, size_t N, int W)
{
    BackBf16Job j = {.dxb = dxb, .dx = dx, .db = db, .dy = dy, .y = y, .W = W};
    run_backward_bf16(relu_backward_bias_bf16_part, &j, N);
}

void relu_backward_bias_from_bf16(uint16_t *dxb, float *db, const uint16_t *dyb,
                                  const uint16_t *y, size_t N, int W)
{
    BackBf16Job j = {.dxb = dxb, .db = db, .dyb = dyb, .y = y, .W = W};
    run_backward_bf16(relu_backward_bias_bf16_part, &j, N);
}

void sine_backward_bias_bf16(uint16_t *dxb, float *dx, float *db, const float *dy,
                             const float *pre, float w0, size_t N, int W)
{
    BackBf16Job j = {.dxb = dxb, .dx = dx, .db = db, .dy = dy, .pre = pre, .w0 = w0, .W = W};
    run_backward_bf16(sine_backward_bias_bf16_part, &j, N);
}

void sine_backward_bias_from_bf16(uint16_t *dxb, float *db, const uint16_t *dyb,
                                  const float *pre, float w0, size_t N, int W)
{
    BackBf16Job j = {.dxb = dxb, .db = db, .dyb = dyb, .pre = pre, .w0 = w0, .W = W};
    run_backward_bf16(sine_backward_bias_bf16_part, &j, N);
}
