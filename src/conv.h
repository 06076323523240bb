/* conv.h - 2-D convolution and transposed convolution as forward/backward
 * pairs over plain float arrays, with layers.h's conventions: outputs first,
 * then scratch and cached values, then inputs and weights, then the shape;
 * dW and db ACCUMULATE, dx is OVERWRITTEN; nothing is allocated inside.
 *
 * Layout: NHWC, i.e. a batch of maps is [N, H, W, C] with the channel fastest,
 * the layout of the dataset's uint8 [n, H, W, C] images, so the first encoder
 * layer reads ws->x as it is and the decoder's last layer writes logits in the
 * order of the pixels the loss compares. With the channel fastest, one im2col
 * row (the k×k×C patch under one output position) is k runs of k·C contiguous
 * floats, and the whole batch's columns are one [N·h·w, k·k·C] matrix: each
 * layer is one SGEMM (dense_forward / dense_backward, split over the threads
 * like every other product) over the batch.
 *
 * Both layers are described by one ConvShape, seen from conv2d:
 *   the pixel side  [N, H, W, C]: conv2d's input, conv2d_transpose's output;
 *   the patch side  [N, h, w, c]: conv2d's output, conv2d_transpose's input,
 *   h = (H + 2·pad − k) / stride + 1 (floor), one im2col row per position.
 * conv2d's weights are W[k·k·C, c] (row index (kh·k + kw)·C + ch);
 * conv2d_transpose's are W[c, k·k·C], the transpose: with Wt = Wᵀ the
 * transposed convolution is exactly the adjoint of the convolution,
 * ⟨conv2d(x), y⟩ = ⟨x, conv2d_transpose(y)⟩ (both without bias).
 * Mapping from PyTorch (weights [out, in, kh, kw] for Conv2d, [in, out, kh, kw]
 * for ConvTranspose2d): conv2d W = w.permute(2, 3, 1, 0).reshape(k·k·C, c);
 * conv2d_transpose W = w.permute(0, 2, 3, 1).reshape(c, k·k·C). */
#ifndef FFVAE_CONV_H
#define FFVAE_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "onednn.h" /* GemmCache, for the bf16 twins */

typedef struct {
    int N;           /* images */
    int H, W, C;     /* the pixel side */
    int h, w, c;     /* the patch side */
    int k, stride, pad;
} ConvShape;

/* The shape of a conv2d from [N, H, W, C] to c channels; 0, or −1 when the
 * map is too small for the kernel (h or w would be < 1) or a size is < 1. */
int conv_shape(ConvShape *s, int N, int H, int W, int C, int c, int k, int stride, int pad);
/* The shape of a conv2d_transpose from [N, h, w, c] to C channels, with
 * H = (h − 1)·stride − 2·pad + k; 0, or −1 when a size would be < 1. */
int conv_transpose_shape(ConvShape *s, int N, int h, int w, int c, int C, int k, int stride,
                         int pad);

/* Floats of one im2col matrix [N·h·w, k·k·C], the scratch each call below takes. */
size_t conv_col_floats(const ConvShape *s);

/* col = im2col(x): col[(n·h + i)·w + j, (kh·k + kw)·C + ch] = x[n, i·s − p + kh, j·s − p + kw, ch]
 * (0 outside the map). */
void conv_im2col(float *col, const float *x, const ConvShape *s);
/* x = col2im(col), the adjoint of im2col: every column entry added back to the
 * pixel it came from (x is overwritten). */
void conv_col2im(float *x, const float *col, const ConvShape *s);

/* y[N·h·w, c] = im2col(x) · W + b      x [N·H·W, C], W [k·k·C, c], b [c] (may be NULL) */
void conv2d_forward(float *y, float *col, const float *x, const float *W, const float *b,
                    const ConvShape *s);
/* dx = col2im(dy · Wᵀ) (dx may be NULL; then dcol is unused and may be NULL),
 * dW += im2col(x)ᵀ · dy, db += Σ_rows dy (db may be NULL). col and dcol are
 * two scratch matrices of conv_col_floats(s). */
void conv2d_backward(float *dx, float *dW, float *db, float *col, float *dcol, const float *dy,
                     const float *x, const float *W, const ConvShape *s);

/* y[N·H·W, C] = col2im(x · W) + b      x [N·h·w, c], W [c, k·k·C], b [C] (may be NULL) */
void conv2d_transpose_forward(float *y, float *col, const float *x, const float *W,
                              const float *b, const ConvShape *s);
/* dx = im2col(dy) · Wᵀ (dx may be NULL), dW += xᵀ · im2col(dy), db += Σ_rows dy
 * (db may be NULL). col is one scratch matrix of conv_col_floats(s). */
void conv2d_transpose_backward(float *dx, float *dW, float *db, float *col, const float *dy,
                               const float *x, const float *W, const ConvShape *s);

/* ---- bf16 twins (precision = bf16) ------------------------------------------
 * The same layers with bf16 operands (uint16_t, bf16.h) for the products, fp32
 * accumulation through oneDNN (layers.h's dense_*_bf16), and fp32 outputs,
 * gradients and sums (col2im and the bias sums included). x, dy_b and W are
 * bf16 copies; dy (fp32) is what the bias gradient sums. col is a bf16 im2col
 * scratch of conv_col_floats(s) elements; conv2d_transpose_forward_bf16's is
 * fp32 (the product's output), as is dcol. Return 0, or −1 when a oneDNN call
 * failed (reported). */
void conv_im2col_bf16(uint16_t *col, const uint16_t *x, const ConvShape *s);
int conv2d_forward_bf16(GemmCache *g, float *y, uint16_t *col, const uint16_t *x,
                        const uint16_t *W, const float *b, const ConvShape *s);
int conv2d_backward_bf16(GemmCache *g, float *dx, float *dW, float *db, uint16_t *col,
                         float *dcol, const uint16_t *dy_b, const float *dy, const uint16_t *x,
                         const uint16_t *W, const ConvShape *s);
int conv2d_transpose_forward_bf16(GemmCache *g, float *y, float *col, const uint16_t *x,
                                  const uint16_t *W, const float *b, const ConvShape *s);
int conv2d_transpose_backward_bf16(GemmCache *g, float *dx, float *dW, float *db, uint16_t *col,
                                   const uint16_t *dy_b, const float *dy, const uint16_t *x,
                                   const uint16_t *W, const ConvShape *s);

/* Floating-point operations of the products of one layer's forward (2·M·N·K). */
double conv_gemm_flops(const ConvShape *s);

#endif
