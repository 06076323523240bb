/* render.h - decoding latents into images at any resolution.
 *
 * A coordinate decoder renders an S×S image by evaluating a finer grid of
 * pixel centres; it works through bands of rows so that even 1024×1024 needs
 * only a bounded workspace. A dense decoder renders only at its own size. */
#ifndef FFVAE_RENDER_H
#define FFVAE_RENDER_H

#include "model.h"

/* Largest side a render accepts (`--size`): 8192² pixels is 256 MiB of
 * floats per grey image, already more than any figure needs. */
#define RENDER_MAX_SIZE 8192

/* out[n, Hs, Ws, C], the model's mean image (mean_image), for latents z[n, d]
 * (z is ignored when the model has no latent). */
int render_mean_images(float *out, const Model *m, const float *z, int n, int Hs, int Ws);

/* The mean image of a workspace's logits, n values: σ(logits), the mean of
 * the Bernoulli, Gaussian and Laplace likelihoods; for the continuous
 * Bernoulli its own mean, 1/(1 − e^−l) − 1/l. */
void mean_image(float *out, const float *logits, size_t n, Likelihood kind);

#endif
