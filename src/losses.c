/* losses.c - Bernoulli, continuous Bernoulli, Gaussian and Laplace likelihoods
 * on logits, free bits, the KL term to
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

/* ---- continuous Bernoulli --------------------------------------------- */

float cb_log_norm(float l)
{
    float a = fabsf(l);
    if (a < CB_TAYLOR_BAND) {
        /* log(u / tanh u) = u²/3 − 7u⁴/90 + 62u⁶/2835 − 127u⁸/18900 + 146u¹⁰/66825 − …;
         * at |u| < 0.25 the next term is below 1e-10. */
        float u2 = 0.25f * l * l;
        float series = u2 * (1.0f / 3 + u2 * (-7.0f / 90 + u2 * (62.0f / 2835 +
                             u2 * (-127.0f / 18900 + u2 * (146.0f / 66825)))));
        return (float)M_LN2 + series;
    }
    float e = expf(-a);
    return logf(a) - logf(-expm1f(-a)) + log1pf(e);
}

float cb_log_norm_grad(float l)
{
    if (fabsf(l) < CB_TAYLOR_BAND) {
        /* 1/l − 1/sinh l = l/6 − 7l³/360 + 31l⁵/15120 − 127l⁷/604800 + … */
        float l2 = l * l;
        return l * (1.0f / 6 + l2 * (-7.0f / 360 + l2 * (31.0f / 15120 +
                    l2 * (-127.0f / 604800 + l2 * (73.0f / 3421440)))));
    }
    return 1.0f / l - 1.0f / sinhf(l); /* sinh overflows to ±inf past |l| ≈ 89: 1/inf = 0 */
}

double cb_nll_forward(const float *logits, const float *target, size_t n)
{
    double bce = bce_logits_forward(logits, target, n), norm = 0;
    for (size_t i = 0; i < n; i++)
        norm += cb_log_norm(logits[i]);
    return bce - norm;
}

void cb_nll_backward(float *dlogits, const float *logits, const float *target, float scale,
                     size_t n)
{
    bce_logits_backward(dlogits, logits, target, scale, n);
    for (size_t i = 0; i < n; i++)
        dlogits[i] -= scale * cb_log_norm_grad(logits[i]);
}

/* ---- Gaussian and Laplace with a scale per channel ---------------------- */

double scaled_nll_forward(const float *logits, const float *target, const float *log_scale, int C,
                          int laplace, size_t n)
{
    double sum[3] = {0}, log_sum = 0; /* C ≤ 3 */
    size_t pixels = n / (size_t)C;
    for (size_t p = 0; p < pixels; p++)
        for (int c = 0; c < C; c++) {
            size_t i = p * (size_t)C + (size_t)c;
            float diff = target[i] - ff_sigmoid(logits[i]);
            sum[c] += laplace ? fabsf(diff) : diff * diff;
        }
    double total = 0;
    for (int c = 0; c < C; c++) {
        double s = exp((double)log_scale[c]);
        total += laplace ? sum[c] / s : sum[c] / (2.0 * s * s);
        log_sum += log_scale[c];
    }
    double constant = laplace ? M_LN2 : 0.5 * log(2.0 * M_PI);
    return total + (double)pixels * (log_sum + C * constant);
}

void scaled_nll_backward(float *dlogits, float *dlog_scale, const float *logits,
                         const float *target, const float *log_scale, int C, int laplace,
                         float scale, size_t n)
{
    float inv[3], dls[3] = {0};
    for (int c = 0; c < C; c++)
        inv[c] = expf(-log_scale[c]);
    size_t pixels = n / (size_t)C;
    for (size_t p = 0; p < pixels; p++)
        for (int c = 0; c < C; c++) {
            size_t i = p * (size_t)C + (size_t)c;
            float mu = ff_sigmoid(logits[i]), diff = mu - target[i], dmu;
            if (laplace) {
                float sign = (float)(diff > 0) - (float)(diff < 0);
                dmu = sign * inv[c];
                dls[c] += 1.0f - fabsf(diff) * inv[c];
            } else {
                dmu = diff * inv[c] * inv[c];
                dls[c] += 1.0f - diff * diff * inv[c] * inv[c];
            }
            dlogits[i] = scale * dmu * mu * (1.0f - mu);
        }
    for (int c = 0; c < C && dlog_scale; c++)
        dlog_scale[c] += scale * dls[c];
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

/* Batch-mean KL of latent dimension j. */
static double kl_dimension_mean(const float *mu, const float *logvar, int B, int d, int j)
{
    double s = 0;
    for (int b = 0; b < B; b++) {
        double m = mu[(size_t)b * d + j], lv = logvar[(size_t)b * d + j];
        s += 0.5 * (m * m + expm1(lv) - lv);
    }
    return s / B;
}

double kl_free_bits_forward(const float *mu, const float *logvar, int B, int d, float free_bits)
{
    double total = 0;
    for (int j = 0; j < d; j++)
        total += fmax((double)free_bits, kl_dimension_mean(mu, logvar, B, d, j));
    return total * B;
}

void kl_free_bits_backward(float *dmu, float *dlogvar, const float *mu, const float *logvar,
                           int B, int d, float free_bits, float scale)
{
    for (int j = 0; j < d; j++) {
        if (kl_dimension_mean(mu, logvar, B, d, j) <= (double)free_bits)
            continue; /* the floor holds: this dimension's rate is a constant */
        for (int b = 0; b < B; b++) {
            size_t i = (size_t)b * d + j;
            dmu[i] += scale * mu[i];
            dlogvar[i] += scale * 0.5f * expm1f(logvar[i]);
        }
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
