/* gradcheck.h - compares analytic gradients with central finite differences.
 * Shared by the layer tests and the whole-model gradient test. */
#ifndef FFVAE_GRADCHECK_H
#define FFVAE_GRADCHECK_H

#include <stddef.h>

/* f evaluates a scalar loss of the current x (float math, double accumulation). */
typedef double (*GradcheckLoss)(void *ctx);

/* Compares analytic[i] with the central difference (f(x+h·e_i) − f(x−h·e_i)) / 2h for up to
 * max_checks indices spread evenly over x (all if n ≤ max_checks); restores x. Returns the worst
 * error |a − d| / max(|a| + |d|, floor); prints the worst index, a and d when label is non-NULL
 * and the error exceeds 'report_above'. */
double gradcheck(GradcheckLoss f, void *ctx, float *x, const float *analytic, size_t n,
                 size_t max_checks, double h, double floor, double report_above, const char *label);

/* The same with several steps: each index's error is the smallest over the
 * steps. A network of ReLUs is piecewise linear, so a large step can straddle a
 * kink while a small one drowns in float rounding; a real bug (a gradient a
 * percent off, a missing term) is wrong at every step, so it still fails. */
double gradcheck_steps(GradcheckLoss f, void *ctx, float *x, const float *analytic, size_t n,
                       size_t max_checks, const double *steps, int n_steps, double floor,
                       double report_above, const char *label);

/* Asserts (Check) that analytic passes gradcheck within tol, and that the same
 * gradient scaled by 1.01 fails, so every check is shown to be sharp on its own
 * data; prints both errors under label. */
void gradcheck_sharp(GradcheckLoss f, void *ctx, float *x, const float *analytic, size_t n,
                     size_t max_checks, double h, double floor, double tol, const char *label);

#endif
