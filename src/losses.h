/* losses.h - likelihoods, the KL term and the reparameterisation, as
 * forward/backward pairs. Forward functions return SUMS in double (the
 * caller divides by the batch); backward functions take a scale (for example
 * 1/B, or β/B) and, as in layers.h, accumulate (+=) into gradients of
 * parameters-like inputs (μ, log σ²) and overwrite dlogits. */
#ifndef FFVAE_LOSSES_H
#define FFVAE_LOSSES_H

#include <stddef.h>

/* Bernoulli negative log-likelihood on logits:
 *   Σ softplus(l) − t·l, computed stably for large |l|. t in [0, 1]. */
double bce_logits_forward(const float *logits, const float *target, size_t n);
/* dlogits = scale · (σ(l) − t)   (overwritten) */
void bce_logits_backward(float *dlogits, const float *logits, const float *target,
                         float scale, size_t n);

/* Gaussian negative log-likelihood with fixed σ and mean μ = σ(l) (sigmoid, so
 * the mean image stays in [0, 1]):
 *   Σ (t − μ)² / (2σ²) + ½ log(2πσ²) */
double gaussian_nll_forward(const float *logits, const float *target, float sigma, size_t n);
/* dlogits = scale · (μ − t)/σ² · μ(1 − μ)   (overwritten) */
void gaussian_nll_backward(float *dlogits, const float *logits, const float *target,
                           float sigma, float scale, size_t n);

/* KL(N(μ, σ²) || N(0, 1)) summed over n entries: Σ ½(μ² + e^lv − 1 − lv) */
double kl_forward(const float *mu, const float *logvar, size_t n);
/* dmu += scale · μ   dlogvar += scale · ½(e^lv − 1) */
void kl_backward(float *dmu, float *dlogvar, const float *mu, const float *logvar,
                 float scale, size_t n);

/* z = μ + e^(lv/2) · ε */
void reparam_forward(float *z, const float *mu, const float *logvar, const float *eps, size_t n);
/* dmu += dz   dlogvar += dz · ½ e^(lv/2) · ε */
void reparam_backward(float *dmu, float *dlogvar, const float *dz, const float *logvar,
                      const float *eps, size_t n);

#endif
