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

/* log C(λ), the continuous Bernoulli's log normaliser at λ = σ(l) (Loaiza-Ganem
 * and Cunningham 2019): C(λ) = 2 artanh(1 − 2λ)/(1 − 2λ) for λ ≠ ½, C(½) = 2.
 * In the logit, 1 − 2λ = −tanh(l/2) and artanh(1 − 2λ) = −l/2, so
 * C = l / tanh(l/2), an even function of l. |l| < CB_TAYLOR_BAND (|λ − ½| < 0.12)
 * uses the Taylor series of log(u / tanh u), u = l/2, where the closed form is
 * 0/0; outside it, log|l| − log(−expm1(−|l|)) + log1p(e^−|l|). */
#define CB_TAYLOR_BAND 0.5f
float cb_log_norm(float l);
/* d log C / dl = 1/l − 1/sinh(l) (Taylor series in the band). */
float cb_log_norm_grad(float l);
/* Continuous Bernoulli negative log-likelihood on logits, x in [0, 1]:
 *   Σ softplus(l) − t·l − log C(σ(l)) */
double cb_nll_forward(const float *logits, const float *target, size_t n);
/* dlogits = scale · (σ(l) − t − d log C/dl)   (overwritten) */
void cb_nll_backward(float *dlogits, const float *logits, const float *target, float scale,
                     size_t n);

/* Gaussian (laplace = 0) or Laplace (laplace = 1) negative log-likelihood with
 * mean μ = σ(l) and a scale per channel, s_c = e^log_scale[c] (element i is
 * channel i % C: logits are [rows, C] or [B, H·W·C], channels last):
 *   Gaussian  Σ (t − μ)²/(2 s²) + log s + ½ log 2π
 *   Laplace   Σ |t − μ|/s + log s + log 2
 * The scale is σ-VAE's learned log σ (Rybkin et al. 2021) or a fixed one. */
double scaled_nll_forward(const float *logits, const float *target, const float *log_scale, int C,
                          int laplace, size_t n);
/* dlogits = scale · dNLL/dl (overwritten; Laplace: the subgradient 0 at t = μ);
 * dlog_scale[c] += scale · Σ_{i in c} dNLL/dlog s (NULL: a fixed scale):
 *   Gaussian 1 − (t − μ)²/s²,  Laplace 1 − |t − μ|/s. */
void scaled_nll_backward(float *dlogits, float *dlog_scale, const float *logits,
                         const float *target, const float *log_scale, int C, int laplace,
                         float scale, size_t n);

/* KL(N(μ, σ²) || N(0, 1)) summed over n entries: Σ ½(μ² + e^lv − 1 − lv) */
double kl_forward(const float *mu, const float *logvar, size_t n);
/* dmu += scale · μ   dlogvar += scale · ½(e^lv − 1) */
void kl_backward(float *dmu, float *dlogvar, const float *mu, const float *logvar,
                 float scale, size_t n);

/* The rate with free bits (Kingma et al. 2016), per latent dimension j a
 * floor of F nats on the KL averaged over the batch:
 *   B · Σ_j max(F, (1/B) Σ_b KL_bj),   KL_bj = ½(μ² + e^lv − 1 − lv)
 * mu and logvar are [B, d]. F = 0 gives kl_forward's sum. */
double kl_free_bits_forward(const float *mu, const float *logvar, int B, int d, float free_bits);
/* kl_backward's gradient on the dimensions whose batch-mean KL is above F, and
 * zero on those at or below it (the max picks the constant there). */
void kl_free_bits_backward(float *dmu, float *dlogvar, const float *mu, const float *logvar,
                           int B, int d, float free_bits, float scale);

/* z = μ + e^(lv/2) · ε */
void reparam_forward(float *z, const float *mu, const float *logvar, const float *eps, size_t n);
/* dmu += dz   dlogvar += dz · ½ e^(lv/2) · ε */
void reparam_backward(float *dmu, float *dlogvar, const float *dz, const float *logvar,
                      const float *eps, size_t n);

#endif
