/* gradcheck.c - the central finite-difference gradient check. */
#include "gradcheck.h"

#include <math.h>
#include <stdio.h>

double gradcheck(GradcheckLoss f, void *ctx, float *x, const float *analytic, size_t n,
                 size_t max_checks, double h, double floor, double report_above, const char *label)
{
    if (n == 0 || max_checks == 0)
        return 0.0;
    size_t checks = n < max_checks ? n : max_checks;
    double worst = 0.0, worst_a = 0.0, worst_d = 0.0;
    size_t worst_index = 0;
    for (size_t k = 0; k < checks; k++) {
        /* evenly spread, first and last included when sampling */
        size_t i = checks == n ? k : (checks == 1 ? 0 : k * (n - 1) / (checks - 1));
        float saved = x[i];
        float plus = (float)(saved + h), minus = (float)(saved - h);
        x[i] = plus;
        double f_plus = f(ctx);
        x[i] = minus;
        double f_minus = f(ctx);
        x[i] = saved;
        /* divide by the step actually taken in float, not the nominal 2h */
        double d = (f_plus - f_minus) / ((double)plus - (double)minus);
        double a = analytic[i];
        double denom = fabs(a) + fabs(d);
        if (denom < floor)
            denom = floor;
        double err = fabs(a - d) / denom;
        if (isnan(err))
            err = INFINITY; /* a NaN on either side is the worst possible result */
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
