/* layers.c - dense (SGEMM), ReLU, sine, vectorised sin/cos and the row
 * broadcast/gather of the split first layer. The heavy work is cblas_sgemm;
 * every other loop is a flat, allocation-free pass that gcc -O2 vectorises.
 * "#pragma GCC ivdep" tells gcc that the permitted in-place calls (y == x)
 * carry no dependence between iterations, so it needs no runtime alias check
 * (which gcc -O2 would not emit, leaving the loop scalar). */
#include "layers.h"

#include "fastmath.h"

#include <cblas.h>
#include <string.h>

/* dst[W] += src[W]; the two rows never overlap. */
static void add_row(float *restrict dst, const float *restrict src, int W)
{
    size_t n = (size_t)(W > 0 ? W : 0);
    FF_ELEMENTWISE(w, n, dst[w] += src[w]);
}

void dense_forward(float *y, const float *x, const float *W, const float *b,
                   int N, int in, int out)
{
    if (N <= 0 || out <= 0)
        return;
    float beta = 0.0f;
    if (b) {
        for (int n = 0; n < N; n++)
            memcpy(y + (size_t)n * out, b, (size_t)out * sizeof *y);
        beta = 1.0f; /* the GEMM adds x·W to the bias rows */
    }
    if (in <= 0) {
        if (!b)
            memset(y, 0, (size_t)N * out * sizeof *y);
        return;
    }
    // y[N, out] = x[N, in] · W[in, out] + beta · y
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, out, in,
                1.0f, x, in, W, out, beta, y, out);
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
        if (dx) // dx[N, in] = dy[N, out] · Wᵀ[out, in]   (overwritten: beta = 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, in, out,
                        1.0f, dy, out, W, out, 0.0f, dx, in);
        // dW[in, out] += xᵀ[in, N] · dy[N, out]   (accumulated: beta = 1)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, in, out, N,
                    1.0f, x, in, dy, out, 1.0f, dW, out);
    }
    if (db) {
        for (int n = 0; n < N; n++)
            add_row(db, dy + (size_t)n * out, out);
    }
}

void relu_forward(float *y, const float *x, size_t n)
{
    FF_ELEMENTWISE(i, n, y[i] = ff_select(x[i] > 0.0f, x[i], 0.0f));
}

void relu_backward(float *dx, const float *dy, const float *y, size_t n)
{
    FF_ELEMENTWISE(i, n, dx[i] = ff_select(y[i] > 0.0f, dy[i], 0.0f));
}

void sine_forward(float *y, const float *x, float w0, size_t n)
{
    FF_ELEMENTWISE(i, n, y[i] = ff_sin(w0 * x[i]));
}

void sine_backward(float *dx, const float *dy, const float *x, float w0, size_t n)
{
    FF_ELEMENTWISE(i, n, dx[i] = dy[i] * w0 * ff_cos(w0 * x[i]));
}

void vec_sin(float *y, const float *x, size_t n)
{
    FF_ELEMENTWISE(i, n, y[i] = ff_sin(x[i]));
}

void vec_cos(float *y, const float *x, size_t n)
{
    FF_ELEMENTWISE(i, n, y[i] = ff_cos(x[i]));
}

void rows_add_forward(float *y, const float *s, int B, int P, int W)
{
    for (int b = 0; b < B; b++) {
        const float *s_row = s + (size_t)b * W; // [W]
        for (int p = 0; p < P; p++) {
            add_row(y + ((size_t)b * P + p) * W, s_row, W);
        }
    }
}

void rows_add_backward(float *ds, const float *dy, int B, int P, int W)
{
    for (int b = 0; b < B; b++) {
        float *ds_row = ds + (size_t)b * W; // [W]
        memset(ds_row, 0, (size_t)W * sizeof *ds_row);
        for (int p = 0; p < P; p++) {
            add_row(ds_row, dy + ((size_t)b * P + p) * W, W);
        }
    }
}

void rows_gather_forward(float *y, const float *g, const int32_t *pix, int B, int P, int W)
{
    const size_t row_bytes = (size_t)W * sizeof *y;
    for (int b = 0; b < B; b++) {
        for (int p = 0; p < P; p++) {
            size_t row = (size_t)b * P + p;
            size_t src = pix ? (size_t)pix[row] : (size_t)p;
            memcpy(y + row * W, g + src * W, row_bytes);
        }
    }
}

void rows_gather_backward(float *dg, const float *dy, const int32_t *pix, int B, int P,
                          int P_full, int W)
{
    memset(dg, 0, (size_t)P_full * W * sizeof *dg);
    for (int b = 0; b < B; b++) {
        for (int p = 0; p < P; p++) {
            size_t row = (size_t)b * P + p;
            size_t dst = pix ? (size_t)pix[row] : (size_t)p;
            add_row(dg + dst * W, dy + row * W, W);
        }
    }
}

/* ---- fused row passes ---------------------------------------------------- */

/* shift[W] = bias + s (either may be NULL): the per-image row added to pre. */
static void row_shift(float *restrict shift, const float *bias, const float *s, int W)
{
    for (int w = 0; w < W; w++)
        shift[w] = (bias ? bias[w] : 0.0f) + (s ? s[w] : 0.0f);
}

/* The on-stack shift row: the config's widest layer is 8192. */
#define FUSED_MAX_WIDTH 8192

void bias_relu_forward(float *y, const float *bias, const float *s, int B, int P, int W)
{
    float shift[FUSED_MAX_WIDTH];
    for (int b = 0; b < B; b++) {
        row_shift(shift, bias, s ? s + (size_t)b * W : NULL, W);
        for (int p = 0; p < P; p++) {
            float *row = y + ((size_t)b * P + p) * W; // [W]
            size_t n = (size_t)W;
            FF_ELEMENTWISE(w, n, row[w] = ff_select(row[w] + shift[w] > 0.0f,
                                                    row[w] + shift[w], 0.0f));
        }
    }
}

void bias_sine_forward(float *y, float *pre, const float *bias, const float *s, float w0,
                       int B, int P, int W)
{
    float shift[FUSED_MAX_WIDTH];
    for (int b = 0; b < B; b++) {
        row_shift(shift, bias, s ? s + (size_t)b * W : NULL, W);
        for (int p = 0; p < P; p++) {
            float *x = pre + ((size_t)b * P + p) * W, *out = y + ((size_t)b * P + p) * W;
            size_t n = (size_t)W;
            FF_ELEMENTWISE(w, n, (x[w] += shift[w], out[w] = ff_sin(w0 * x[w])));
        }
    }
}

void relu_backward_bias(float *dx, float *db, const float *dy, const float *y, size_t N, int W)
{
    size_t n = (size_t)W;
    for (size_t r = 0; r < N; r++) {
        float *dxr = dx + r * W;
        const float *dyr = dy + r * W, *yr = y + r * W;
        FF_ELEMENTWISE(w, n, dxr[w] = ff_select(yr[w] > 0.0f, dyr[w], 0.0f));
        if (db)
            add_row(db, dxr, W);
    }
}

void sine_backward_bias(float *dx, float *db, const float *dy, const float *pre, float w0,
                        size_t N, int W)
{
    size_t n = (size_t)W;
    for (size_t r = 0; r < N; r++) {
        float *dxr = dx + r * W;
        const float *dyr = dy + r * W, *xr = pre + r * W;
        FF_ELEMENTWISE(w, n, dxr[w] = dyr[w] * w0 * ff_cos(w0 * xr[w]));
        if (db)
            add_row(db, dxr, W);
    }
}
