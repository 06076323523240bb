/* conv.c - conv2d and conv2d_transpose (conv.h) through im2col / col2im and
 * one dense product per layer over the whole batch. The products are
 * layers.c's dense_forward / dense_backward, so they split over the threads
 * like every other GEMM; im2col and col2im split by images (each image's
 * columns touch only that image's pixels, so col2im's sums never race). */
#include "conv.h"

#include "layers.h"
#include "parallel.h"

#include <string.h>

static int out_size(int in, int k, int stride, int pad)
{
    int span = in + 2 * pad - k;
    return span < 0 ? 0 : span / stride + 1;
}

int conv_shape(ConvShape *s, int N, int H, int W, int C, int c, int k, int stride, int pad)
{
    if (N < 1 || H < 1 || W < 1 || C < 1 || c < 1 || k < 1 || stride < 1 || pad < 0)
        return -1;
    *s = (ConvShape){N, H, W, C, out_size(H, k, stride, pad), out_size(W, k, stride, pad), c,
                     k, stride, pad};
    return (s->h < 1 || s->w < 1) ? -1 : 0;
}

int conv_transpose_shape(ConvShape *s, int N, int h, int w, int c, int C, int k, int stride,
                         int pad)
{
    if (N < 1 || h < 1 || w < 1 || c < 1 || C < 1 || k < 1 || stride < 1 || pad < 0)
        return -1;
    int H = (h - 1) * stride - 2 * pad + k, W = (w - 1) * stride - 2 * pad + k;
    *s = (ConvShape){N, H, W, C, h, w, c, k, stride, pad};
    /* The patch side must be what a conv2d of the pixel side gives back. */
    return (H < 1 || W < 1 || out_size(H, k, stride, pad) != h || out_size(W, k, stride, pad) != w)
               ? -1
               : 0;
}

static size_t col_width(const ConvShape *s)
{
    return (size_t)s->k * s->k * s->C;
}

size_t conv_col_floats(const ConvShape *s)
{
    return (size_t)s->N * s->h * s->w * col_width(s);
}

double conv_gemm_flops(const ConvShape *s)
{
    return 2.0 * (double)s->N * s->h * s->w * (double)col_width(s) * s->c;
}

/* ---- im2col / col2im, split by images ------------------------------------ */

typedef struct {
    void *out;
    const void *in;
    const ConvShape *s;
    size_t es; /* bytes per element: float, or bf16's uint16_t (im2col only) */
} ColJob;

/* im2col over elements of es bytes: it only copies and zero-fills, so one
 * loop serves fp32 and bf16 maps. */
static void im2col_part(void *arg, size_t n0, size_t n1, int part)
{
    const ColJob *j = arg;
    const ConvShape *s = j->s;
    size_t es = j->es, K = col_width(s) * es, C = (size_t)s->C * es, kC = (size_t)s->k * C;
    (void)part;
    for (size_t n = n0; n < n1; n++) {
        const char *img = (const char *)j->in + n * s->H * s->W * C;
        char *row = (char *)j->out + n * s->h * s->w * K;
        for (int i = 0; i < s->h; i++)
            for (int jx = 0; jx < s->w; jx++, row += K)
                for (int kh = 0; kh < s->k; kh++) {
                    int ih = i * s->stride - s->pad + kh;
                    char *dst = row + kh * kC;
                    if (ih < 0 || ih >= s->H) {
                        memset(dst, 0, kC);
                        continue;
                    }
                    int iw0 = jx * s->stride - s->pad;
                    if (iw0 >= 0 && iw0 + s->k <= s->W) { /* the whole run is inside: one copy */
                        memcpy(dst, img + ((size_t)ih * s->W + iw0) * C, kC);
                        continue;
                    }
                    for (int kw = 0; kw < s->k; kw++, dst += C) {
                        int iw = iw0 + kw;
                        if (iw < 0 || iw >= s->W)
                            memset(dst, 0, C);
                        else
                            memcpy(dst, img + ((size_t)ih * s->W + iw) * C, C);
                    }
                }
    }
}

static void col2im_part(void *arg, size_t n0, size_t n1, int part)
{
    const ColJob *j = arg;
    const ConvShape *s = j->s;
    size_t K = col_width(s), C = (size_t)s->C;
    (void)part;
    for (size_t n = n0; n < n1; n++) {
        float *img = (float *)j->out + n * s->H * s->W * C;
        const float *row = (const float *)j->in + n * s->h * s->w * K;
        memset(img, 0, (size_t)s->H * s->W * C * sizeof *img);
        for (int i = 0; i < s->h; i++)
            for (int jx = 0; jx < s->w; jx++, row += K)
                for (int kh = 0; kh < s->k; kh++) {
                    int ih = i * s->stride - s->pad + kh;
                    if (ih < 0 || ih >= s->H)
                        continue;
                    for (int kw = 0; kw < s->k; kw++) {
                        int iw = jx * s->stride - s->pad + kw;
                        if (iw < 0 || iw >= s->W)
                            continue;
                        float *restrict dst = img + ((size_t)ih * s->W + iw) * C;
                        const float *restrict src = row + ((size_t)kh * s->k + kw) * C;
                        for (size_t ch = 0; ch < C; ch++)
                            dst[ch] += src[ch];
                    }
                }
    }
}

void conv_im2col(float *col, const float *x, const ConvShape *s)
{
    ColJob j = {col, x, s, sizeof(float)};
    parallel_for((size_t)s->N, 1, im2col_part, &j);
}

void conv_col2im(float *x, const float *col, const ConvShape *s)
{
    ColJob j = {x, col, s, sizeof(float)};
    parallel_for((size_t)s->N, 1, col2im_part, &j);
}

/* ---- the layers ------------------------------------------------------------ */

static int patch_rows(const ConvShape *s)
{
    return s->N * s->h * s->w;
}

void conv2d_forward(float *y, float *col, const float *x, const float *W, const float *b,
                    const ConvShape *s)
{
    conv_im2col(col, x, s);
    // y[N·h·w, c] = col[N·h·w, k·k·C] · W[k·k·C, c] + b
    dense_forward(y, col, W, b, patch_rows(s), (int)col_width(s), s->c);
}

void conv2d_backward(float *dx, float *dW, float *db, float *col, float *dcol, const float *dy,
                     const float *x, const float *W, const ConvShape *s)
{
    /* The columns are recomputed rather than kept from forward: an im2col is a
     * copy, cheap beside the product, and keeping them would hold k·k copies of
     * every layer's input for the whole step. */
    conv_im2col(col, x, s);
    // dcol = dy · Wᵀ   dW += colᵀ · dy   db += Σ dy
    dense_backward(dx ? dcol : NULL, dW, db, dy, col, W, patch_rows(s), (int)col_width(s), s->c);
    if (dx)
        conv_col2im(dx, dcol, s);
}

/* y[rows, C] += b[C] */
static void add_bias_rows(float *y, const float *b, size_t rows, int C)
{
    for (size_t r = 0; r < rows; r++) {
        float *restrict row = y + r * C;
        for (int ch = 0; ch < C; ch++)
            row[ch] += b[ch];
    }
}

void conv2d_transpose_forward(float *y, float *col, const float *x, const float *W,
                              const float *b, const ConvShape *s)
{
    // col[N·h·w, k·k·C] = x[N·h·w, c] · W[c, k·k·C]
    dense_forward(col, x, W, NULL, patch_rows(s), s->c, (int)col_width(s));
    conv_col2im(y, col, s);
    if (b)
        add_bias_rows(y, b, (size_t)s->N * s->H * s->W, s->C);
}

void conv2d_transpose_backward(float *dx, float *dW, float *db, float *col, const float *dy,
                               const float *x, const float *W, const ConvShape *s)
{
    conv_im2col(col, dy, s);
    // dx = col · Wᵀ   dW += xᵀ · col
    dense_backward(dx, dW, NULL, col, x, W, patch_rows(s), s->c, (int)col_width(s));
    if (db)
        bias_backward(db, dy, (size_t)s->N * s->H * s->W, s->C);
}

/* ---- bf16 twins --------------------------------------------------------------- */

void conv_im2col_bf16(uint16_t *col, const uint16_t *x, const ConvShape *s)
{
    ColJob j = {col, x, s, sizeof(uint16_t)};
    parallel_for((size_t)s->N, 1, im2col_part, &j);
}

int conv2d_forward_bf16(GemmCache *g, float *y, uint16_t *col, const uint16_t *x,
                        const uint16_t *W, const float *b, const ConvShape *s)
{
    conv_im2col_bf16(col, x, s);
    return dense_forward_bf16(g, y, col, W, b, patch_rows(s), (int)col_width(s), s->c);
}

int conv2d_backward_bf16(GemmCache *g, float *dx, float *dW, float *db, uint16_t *col,
                         float *dcol, const uint16_t *dy_b, const float *dy, const uint16_t *x,
                         const uint16_t *W, const ConvShape *s)
{
    conv_im2col_bf16(col, x, s);
    if (dense_backward_bf16(g, dx ? dcol : NULL, dW, dy_b, col, W, patch_rows(s),
                            (int)col_width(s), s->c) != 0)
        return -1;
    if (db)
        bias_backward(db, dy, (size_t)patch_rows(s), s->c);
    if (dx)
        conv_col2im(dx, dcol, s);
    return 0;
}

int conv2d_transpose_forward_bf16(GemmCache *g, float *y, float *col, const uint16_t *x,
                                  const uint16_t *W, const float *b, const ConvShape *s)
{
    if (dense_forward_bf16(g, col, x, W, NULL, patch_rows(s), s->c, (int)col_width(s)) != 0)
        return -1;
    conv_col2im(y, col, s);
    if (b)
        add_bias_rows(y, b, (size_t)s->N * s->H * s->W, s->C);
    return 0;
}

int conv2d_transpose_backward_bf16(GemmCache *g, float *dx, float *dW, float *db, uint16_t *col,
                                   const uint16_t *dy_b, const float *dy, const uint16_t *x,
                                   const uint16_t *W, const ConvShape *s)
{
    conv_im2col_bf16(col, dy_b, s);
    if (dense_backward_bf16(g, dx, dW, col, x, W, patch_rows(s), s->c, (int)col_width(s)) != 0)
        return -1;
    if (db)
        bias_backward(db, dy, (size_t)s->N * s->H * s->W, s->C);
    return 0;
}
