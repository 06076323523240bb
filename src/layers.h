/* layers.h - the network's building blocks as forward/backward pairs over
 * plain float arrays. Argument order everywhere: outputs first, then cached
 * values, then inputs and weights, then sizes. Weight and bias gradients
 * (dW, db) ACCUMULATE (+=); gradients with respect to activations (dx) are
 * OVERWRITTEN, so no buffer needs zeroing inside a step. Row-major storage;
 * N rows of a batch. */
#ifndef FFVAE_LAYERS_H
#define FFVAE_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "onednn.h" /* GemmCache, for the bf16 twins */

/* y[N, out] = x[N, in] · W[in, out] + b[out]   (b may be NULL) */
void dense_forward(float *y, const float *x, const float *W, const float *b,
                   int N, int in, int out);
/* dx[N, in] = dy · Wᵀ (dx may be NULL)   dW[in, out] += xᵀ · dy   db[out] += Σ_rows dy (db may be NULL) */
void dense_backward(float *dx, float *dW, float *db, const float *dy,
                    const float *x, const float *W, int N, int in, int out);

/* y = max(x, 0); y may equal x. */
void relu_forward(float *y, const float *x, size_t n);
/* dx = dy · [y > 0]; dx may equal dy. Uses the OUTPUT y, so x can be overwritten. */
void relu_backward(float *dx, const float *dy, const float *y, size_t n);

/* y = sin(w0 · x) (SIREN); y must not alias x, which backward needs. */
void sine_forward(float *y, const float *x, float w0, size_t n);
/* dx = dy · w0 · cos(w0 · x); dx may equal dy. */
void sine_backward(float *dx, const float *dy, const float *x, float w0, size_t n);

/* Vectorisable sin / cos over arrays, accurate to 2e-6 absolute against libm
 * for |x| <= 1e4 (reduced by multiples of π in float with a three-part Cody-Waite π,
 * then one odd polynomial; fastmath.h). */
void vec_sin(float *y, const float *x, size_t n);
void vec_cos(float *y, const float *x, size_t n);

/* y[N, W] = s · y + b[W], in place (b may be NULL): the first layer's z term
 * with its own scale (model_latent_ratio), and its gradient's scale back. */
void scale_bias_rows(float *y, float s, const float *b, size_t N, int W);

/* Broadcast a per-image row over that image's P pixel rows:
 *   y[b*P + p, W] += s[b, W]                              (FiLM shift, first-layer z term) */
void rows_add_forward(float *y, const float *s, int B, int P, int W);
/* ds[b, W] = Σ_p dy[b*P + p, W]   (overwritten) */
void rows_add_backward(float *ds, const float *dy, int B, int P, int W);

/* The split first layer's coordinate term, gathered per pixel:
 *   y[b*P + p, W] = g[pix[b*P + p], W]   (pix NULL: y[b*P + p] = g[p], i.e. all pixels)
 * g is the encoding times Wx, computed once per step on the full grid [P_full, W]. */
void rows_gather_forward(float *y, const float *g, const int32_t *pix, int B, int P, int W);
/* dg[P_full, W] = scatter-sum of dy by pix (overwritten; pix NULL: Σ_b dy[b*P + p]) */
void rows_gather_backward(float *dg, const float *dy, const int32_t *pix, int B, int P,
                          int P_full, int W);

/* Fused passes that replace a chain of the kernels above on the hidden layers'
 * [B·P, W] rows (one read and one write instead of three or four):
 *   forward:  pre[b·P + p] += bias + s[b] (each may be NULL), then
 *             relu: y = max(pre, 0) in place (y == pre);
 *             sine: y = sin(w0·pre) (y may equal pre when pre is not kept)
 *   backward: dx = dy·act'(saved), and db[W] += Σ_rows dx (db may be NULL);
 *             saved is the output y for relu, pre for sine; dx may equal dy. */
/* W ≤ MAX_LAYER_WIDTH (sizes.h), the widest layer a model definition allows. */
void bias_relu_forward(float *y, const float *bias, const float *s, int B, int P, int W);
void bias_sine_forward(float *y, float *pre, const float *bias, const float *s, float w0,
                       int B, int P, int W);
void relu_backward_bias(float *dx, float *db, const float *dy, const float *y, size_t N, int W);
/* The split first layer's sine backward without its stored pre-activation:
 *   dx[b*P + p] = dy · w0 · cos(w0 · (g[pix[b*P + p]] + s[b]))   (pix NULL: g[p])
 * equal to rows_gather_forward, rows_add_forward, then sine_backward; dx may equal dy. */
void gather_sine_backward(float *dx, const float *dy, const float *g, const int32_t *pix,
                          const float *s, float w0, int B, int P, int W);
void sine_backward_bias(float *dx, float *db, const float *dy, const float *pre, float w0,
                        size_t N, int W);

/* ---- bf16 twins (precision = bf16) ---------------------------------------
 * Products take bf16 operands (uint16_t, bf16.h) and accumulate in fp32
 * through oneDNN (onednn.h); every sum, the bias gradients included, is fp32.
 * Each fused pass is its fp32 twin above with the output written once more,
 * rounded to bf16, for the next product to read. Return 0, or -1 after
 * reporting (a oneDNN failure). */

/* y[N, out] = x[N, in] · W[in, out] + b[out]   (x, W bf16; b may be NULL) */
int dense_forward_bf16(GemmCache *g, float *y, const uint16_t *x, const uint16_t *W,
                       const float *b, int N, int in, int out);
/* dx[N, in] = dy · Wᵀ (dx may be NULL)   dW[in, out] += xᵀ · dy   (dy, x, W bf16) */
int dense_backward_bf16(GemmCache *g, float *dx, float *dW, const uint16_t *dy,
                        const uint16_t *x, const uint16_t *W, int N, int in, int out);
/* yb[N, out] = bf16(max(x · W + b, 0)) in one product (oneDNN's bias and ReLU
 * post-op): a hidden layer without a per-image shift, with no fp32 copy. */
int dense_bias_relu_forward_bf16(GemmCache *g, uint16_t *yb, const uint16_t *x,
                                 const uint16_t *W, const float *b, int N, int in, int out);
/* As dense_backward_bf16 with dx written in bf16 (dxb, never NULL): for a
 * layer whose backward pass reads it as relu_backward_bias_from_bf16 does. */
int dense_backward_bf16_dxb(GemmCache *g, uint16_t *dxb, float *dW, const uint16_t *dy,
                            const uint16_t *x, const uint16_t *W, int N, int in, int out);
/* db[W] += Σ_rows dy[N, W] */
void bias_backward(float *db, const float *dy, size_t N, int W);
/* As bias_relu_forward, reading pre (fp32, left as it is) and writing
 * yb = bf16(max(pre + bias + s, 0)). */
void bias_relu_forward_bf16(uint16_t *yb, const float *pre, const float *bias, const float *s,
                            int B, int P, int W);
/* As bias_sine_forward with y = pre's own buffer unused: pre += bias + s (kept,
 * fp32, for backward), yb = bf16(sin(w0 · pre)). */
void bias_sine_forward_bf16(uint16_t *yb, float *pre, const float *bias, const float *s,
                            float w0, int B, int P, int W);
/* The split first layer into bf16 in one pass, without its fp32 rows:
 *   yb[b*P + p] = bf16(act(g[pix[b*P + p]] + s[b]))   (pix NULL: g[p])
 * equal to rows_gather_forward, then bias_{relu,sine}_forward_bf16. */
void gather_relu_forward_bf16(uint16_t *yb, const float *g, const int32_t *pix, const float *s,
                              int B, int P, int W);
void gather_sine_forward_bf16(uint16_t *yb, const float *g, const int32_t *pix, const float *s,
                              float w0, int B, int P, int W);
/* As relu_backward_bias with y in bf16: dx = dy · [y > 0], db += Σ_rows dx
 * (fp32, db may be NULL), dxb = bf16(dx). dx (fp32) may be NULL. */
void relu_backward_bias_bf16(uint16_t *dxb, float *dx, float *db, const float *dy,
                             const uint16_t *y, size_t N, int W);
/* The same with dy in bf16 (a product's bf16 output) and no fp32 dx: half
 * the bytes read; db's sum is still fp32. */
void relu_backward_bias_from_bf16(uint16_t *dxb, float *db, const uint16_t *dyb,
                                  const uint16_t *y, size_t N, int W);
/* As sine_backward_bias: dx = dy · w0 · cos(w0 · pre), db += Σ_rows dx, dxb = bf16(dx);
 * dx (fp32, may equal dy) may be NULL. */
void sine_backward_bias_bf16(uint16_t *dxb, float *dx, float *db, const float *dy,
                             const float *pre, float w0, size_t N, int W);
/* The same with dy in bf16 and no fp32 dx (pre stays fp32: w0 would magnify
 * its rounding into the phase). */
void sine_backward_bias_from_bf16(uint16_t *dxb, float *db, const uint16_t *dyb,
                                  const float *pre, float w0, size_t N, int W);

#endif
