/* losses.c - Bernoulli and Gaussian likelihoods on logits, the KL term to
 * N(0, I) and the reparameterisation. The per-pixel losses run over all B·P·C
 * outputs, so they use the vectorisable kernels of fastmath.h and sum in
 * FF_BLOCK double lanes (a single double accumulator would serialise the loop
 * and gcc may not reorder a float sum by itself). The KL and reparameterisation
 * touch only B·d values, so they use plain libm. */
#include "losses.h"

#include "fastmath.h"

#include <math.h>

/* Σ element(i) over i < n, in FF_BLOCK double lanes then a scalar tail.
 * 'element' is an expression of the index variable i. */
#define SUM_ELEMENTS(total, i, n, element)                              \
    do {                                                                \
        double lanes[FF_BLOCK] = {0};                                   \
        size_t i##_block = 0;                                           \
        for (; i##_block + FF_BLOCK <= (n); i##_block += FF_BLOCK)      \
            for (size_t lane = 0; lane < FF_BLOCK; lane++) {            \
                size_t i = i##_block + lane;                            \
                lanes[lane] += (double)(element);                       \
            }                                                           \
        for (size_t i = i##_block; i < (n); i++)                        \
            lanes[0] += (double)(element);                              \
        total = 0.0;                                                    \
        for (size_t lane = 0; lane < FF_BLOCK; lane++)                  \
            total += lanes[lane];                                       \
    } while (0)

/* softplus(l) − t·l = max(l, 0) − t·l + log(1 + e^−|l|): never exponentiates a
 * positive number, so it is exact in the tails where the naive form overflows. */
static inline float bce_element(float l, float t)
{
    float abs_l = fabsf(l);
    float positive_part = 0.5f * (l + abs_l);
    return positive_part - t * l + ff_log1p_unit(ff_exp(-abs_l));
}

double bce_logits_forward(const float *logits, const float *target, size_t n)
{
    double total;
    SUM_ELEMENTS(total, i, n, bce_element(logits[i], target[i]));
    return total;
}

void bce_logits_backward(float *dlogits, const float *logits, const float *target,
                         float scale, size_t n)
{
    FF_ELEMENTWISE(i, n, dlogits[i] = scale * (ff_sigmoid(logits[i]) - target[i]));
}

static inline float squared_error_of_sigmoid(float l, float t)
{
    float diff = t - ff_sigmoid(l);
    return diff * diff;
}

double gaussian_nll_forward(const float *logits, const float *target, float sigma, size_t n)
{
    double sum_sq;
    SUM_ELEMENTS(sum_sq, i, n, squared_error_of_sigmoid(logits[i], target[i]));
    double var = (double)sigma * sigma;
    /* the normalising constant is the same for every element: add it once */
    return sum_sq / (2.0 * var) + 0.5 * (double)n * log(2.0 * M_PI * var);
}

/* d/dl of (t − μ)²/(2σ²) with μ = σ(l): (μ − t)/σ² · μ(1 − μ). */
static inline float gaussian_grad(float l, float t, float scale_over_var)
{
    float mu = ff_sigmoid(l);
    return scale_over_var * (mu - t) * mu * (1.0f - mu);
}

void gaussian_nll_backward(float *dlogits, const float *logits, const float *target,
                           float sigma, float scale, size_t n)
{
    float scale_over_var = scale / (sigma * sigma);
    FF_ELEMENTWISE(i, n, dlogits[i] = gaussian_grad(logits[i], target[i], scale_over_var));
}

double kl_forward(const float *mu, const float *logvar, size_t n)
{
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        double m = mu[i], lv = logvar[i];
        /* expm1(lv) − lv instead of e^lv − 1 − lv: no cancellation near lv = 0 */
        total += 0.5 * (m * m + expm1(lv) - lv);
    }
    return total;
}

void kl_backward(float *dmu, float *dlogvar, const float *mu, const float *logvar,
                 float scale, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dmu[i] += scale * mu[i];
        dlogvar[i] += scale * 0.5f * expm1f(logvar[i]);
    }
}

void reparam_forward(float *z, const float *mu, const float *logvar, const float *eps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        z[i] = mu[i] + expf(0.5f * logvar[i]) * eps[i];
}

void reparam_backward(float *dmu, float *dlogvar, const float *dz, const float *logvar,
                      const float *eps, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dmu[i] += dz[i];
        dlogvar[i] += dz[i] * 0.5f * expf(0.5f * logvar[i]) * eps[i];
    }
}
