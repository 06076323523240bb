/* latent.h - latents for `ffvae sample` and `ffvae interp`: prior draws,
 * posterior means of images, and paths between two latents (straight or
 * along the great circle). */
#ifndef FFVAE_LATENT_H
#define FFVAE_LATENT_H

#include <stdint.h>

#include "model.h"
#include "rng.h"

/* z[n, d] = T·ε, ε ~ N(0, I): prior draws at temperature T. */
void latent_sample_prior(float *z, int n, int d, float temperature, Rng *r);

/* mu[n, d]: the posterior means of images (uint8 [n, H, W, C] at the model's
 * size), encoded in batches. Returns -1 (reported) on allocation failure. */
int latent_encode_means(float *mu, const Model *m, const uint8_t *images, int n);

/* out[d] = (1 − t) a + t b */
void latent_lerp(float *out, const float *a, const float *b, int d, float t);

/* Spherical interpolation (Shoemake; White 2016 for generative models): with
 * ω the angle between a and b,
 *     out = sin((1 − t) ω) / sin ω · a + sin(t ω) / sin ω · b,
 * which moves along the great circle when |a| = |b| and keeps a prior-like
 * norm between them. t = 0 and t = 1 return a and b exactly. When sin ω is
 * tiny (a and b (anti)parallel, or one of them zero) the circle is not
 * defined and it falls back to lerp, so slerp(a, a, t) = a. */
void latent_slerp(float *out, const float *a, const float *b, int d, float t);

/* path[frames, d]: frames ≥ 2 evenly spaced points t = k / (frames − 1),
 * k = 0 .. frames − 1, from a to b (both ends included), by lerp or slerp. */
void latent_path(float *path, const float *a, const float *b, int d, int frames, int slerp);

#endif
