/* encoding.c - pixel-centre coordinates, Fourier features and the frequency
 * tables of each encoding, including frequencies drawn from the data's own
 * mean power spectrum. Nothing here runs inside a training step. */
#include "encoding.h"

#include "fastmath.h"
#include "layers.h"
#include "spectrum.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void coord_grid(float *v, int H, int W)
{
    coord_rows(v, H, W, 0, H);
}

void coord_rows(float *v, int H, int W, int row0, int rows)
{
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < W; j++) {
            float *vp = v + 2 * ((size_t)i * W + j); // [2]
            vp[0] = ((float)j + 0.5f) / (float)W;
            vp[1] = ((float)(row0 + i) + 0.5f) / (float)H;
        }
    }
}

void centred_coords(float *out, const float *v, int P)
{
    for (size_t k = 0; k < 2 * (size_t)P; k++)
        out[k] = 2.0f * v[k] - 1.0f;
}

void fourier_features(float *gamma, const float *v, const float *B, int P, int F)
{
    for (int p = 0; p < P; p++) {
        float *row = gamma + (size_t)p * 2 * F; // [2F]: sin part, then cos part
        double vx = v[2 * (size_t)p], vy = v[2 * (size_t)p + 1];
        for (int f = 0; f < F; f++) {
            /* v·B in cycles, reduced to (−½, ½] in double before scaling by 2π:
             * the float angle then stays small, so large frequencies keep their
             * accuracy. */
            double cycles = vx * B[2 * f] + vy * B[2 * f + 1];
            double whole = (cycles + FF_ROUND_MAGIC_D) - FF_ROUND_MAGIC_D;
            row[f] = (float)(2.0 * M_PI * (cycles - whole));
        }
        vec_cos(row + F, row, (size_t)F);
        vec_sin(row, row, (size_t)F);
    }
}

void basic_frequencies(float *B)
{
    B[0] = 1.0f, B[1] = 0.0f; // (1, 0): varies along x
    B[2] = 0.0f, B[3] = 1.0f; // (0, 1): varies along y
}

void positional_frequencies(float *B, int m, float top)
{
    for (int j = 0; j < m; j++) {
        double f = m > 1 ? pow((double)top, (double)j / (m - 1)) : 1.0;
        B[2 * j] = (float)f, B[2 * j + 1] = 0.0f;
        B[2 * (m + j)] = 0.0f, B[2 * (m + j) + 1] = (float)f;
    }
}

void gaussian_frequencies(float *B, int F, float sigma, Rng *r)
{
    for (size_t k = 0; k < 2 * (size_t)F; k++)
        B[k] = sigma * rng_normal(r);
}

int mean_power_spectrum(double *power, const uint8_t *images, int N, int H, int W, int C)
{
    if (N <= 0 || H <= 0 || W <= 0 || C <= 0) {
        ffvae_error("power spectrum: no images (N=%d, %dx%dx%d)", N, H, W, C);
        return -1;
    }
    const size_t HW = (size_t)H * W;
    SpectrumAccum acc;
    if (spectrum_accum_init(&acc, H, W, C) != 0)
        return -1;
    for (int n = 0; n < N; n++)
        spectrum_accum_add_u8(&acc, images + (size_t)n * HW * C);
    /* The accumulator gives Σ_c |DFT|² averaged over images; the normalised
     * DFT (÷ HW) squared, averaged over channels too, makes the whole table
     * sum to the mean pixel variance (Parseval). */
    spectrum_accum_mean_power(power, &acc);
    double norm = 1.0 / ((double)HW * (double)HW * (double)C);
    for (size_t p = 0; p < HW; p++)
        power[p] *= norm;
    spectrum_accum_free(&acc);
    return 0;
}

/* DFT index k of an axis of 'size' samples as a signed frequency in cycles per
 * unit length: 0..size/2 stay, the rest alias to k − size (negative). */
static int signed_frequency(int k, int size)
{
    return k > size / 2 ? k - size : k;
}

int spectrum_frequencies(float *B, int F, const double *power, int H, int W, Rng *r)
{
    if (H <= 0 || W <= 0) {
        ffvae_error("spectrum frequencies: empty spectrum (%dx%d)", H, W);
        return -1;
    }
    const size_t HW = (size_t)H * W;
    double *cumulative = checked_malloc(HW, sizeof *cumulative, "spectrum cumulative table");
    if (!cumulative)
        return -1;
    double total = 0.0;
    for (size_t p = 0; p < HW; p++) {
        /* DC (p = 0) is excluded: it carries no spatial frequency */
        double w = p == 0 ? 0.0 : power[p];
        total += (w > 0.0 && isfinite(w)) ? w : 0.0;
        cumulative[p] = total;
    }
    if (!(total > 0.0)) {
        ffvae_error("spectrum frequencies: the power spectrum is zero away from DC "
                    "(constant images?)");
        free(cumulative);
        return -1;
    }
    for (int f = 0; f < F; f++) {
        /* first p with cumulative[p] > u: a zero-power bin never qualifies */
        double u = (double)rng_uniform(r) * total;
        size_t lo = 0, hi = HW - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cumulative[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        int ky = (int)(lo / W), kx = (int)(lo % W);
        B[2 * f] = (float)signed_frequency(kx, W) + (rng_uniform(r) - 0.5f);
        B[2 * f + 1] = (float)signed_frequency(ky, H) + (rng_uniform(r) - 0.5f);
    }
    free(cumulative);
    return 0;
}
