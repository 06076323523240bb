/* gradcheck.c - the central finite-difference gradient check. */
#include "gradcheck.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The central difference at x[i] with step h, divided by the step actually
 * taken in float, not the nominal 2h. */
static double central_difference(GradcheckLoss f, void *ctx, float *x, size_t i, double h)
{
    float saved = x[i];
    float plus = (float)(saved + h), minus = (float)(saved - h);
    x[i] = plus;
    double f_plus = f(ctx);
    x[i] = minus;
    double f_minus = f(ctx);
    x[i] = saved;
    return (f_plus - f_minus) / ((double)plus - (double)minus);
}

double gradcheck(GradcheckLoss f, void *ctx, float *x, const float *analytic, size_t n,
                 size_t max_checks, double h, double floor, double report_above, const char *label)
{
    return gradcheck_steps(f, ctx, x, analytic, n, max_checks, &h, 1, floor, report_above, label);
}

double gradcheck_steps(GradcheckLoss f, void *ctx, float *x, const float *analytic, size_t n,
                       size_t max_checks, const double *steps, int n_steps, double floor,
                       double report_above, const char *label)
{
    if (n == 0 || max_checks == 0)
        return 0.0;
    size_t checks = n < max_checks ? n : max_checks;
    double worst = 0.0, worst_a = 0.0, worst_d = 0.0;
    size_t worst_index = 0;
    for (size_t k = 0; k < checks; k++) {
        /* evenly spread, first and last included when sampling */
        size_t i = checks == n ? k : (checks == 1 ? 0 : k * (n - 1) / (checks - 1));
        double a = analytic[i], d = 0.0, err = INFINITY;
        for (int s = 0; s < n_steps; s++) { /* the step that agrees best */
            double d_s = central_difference(f, ctx, x, i, steps[s]);
            double denom = fabs(a) + fabs(d_s);
            if (denom < floor)
                denom = floor;
            double err_s = fabs(a - d_s) / denom; /* NaN on either side stays the worst */
            if (s == 0 || err_s < err) {
                err = isnan(err_s) ? INFINITY : err_s;
                d = d_s;
            }
        }
        if (k == 0 || err > worst) {
            worst = err;
            worst_a = a, worst_d = d, worst_index = i;
        }
    }
    if (label && worst > report_above)
        fprintf(stderr, "gradcheck %s: worst rel err %.3g at index %zu: analytic %.8g, numeric %.8g\n",
                label, worst, worst_index, worst_a, worst_d);
    return worst;
}

void gradcheck_sharp(GradcheckLoss f, void *ctx, float *x, const float *analytic, size_t n,
                     size_t max_checks, double h, double floor, double tol, const char *label)
{
    double err = gradcheck(f, ctx, x, analytic, n, max_checks, h, floor, tol, label);
    ck_assert_msg(err < tol, "%s: gradient rel err %g >= %g", label, err, tol);
    float *off = malloc((n ? n : 1) * sizeof(float));
    ck_assert_ptr_nonnull(off);
    for (size_t i = 0; i < n; i++)
        off[i] = analytic[i] * 1.01f;
    double off_err = gradcheck(f, ctx, x, off, n, max_checks, h, floor, tol, NULL);
    ck_assert_msg(off_err > tol, "%s: a 1%% wrong gradient passed (rel err %g)", label, off_err);
    printf("gradcheck %-28s rel err %.2e  (1%% off: %.2e)\n", label, err, off_err);
    free(off);
}
