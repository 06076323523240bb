/* encoding.c - pixel-centre coordinates, Fourier features and the frequency
 * tables of each encoding, including frequencies drawn from the data's own
 * mean power spectrum. Nothing here runs inside a training step. */
#include "encoding.h"

#include "fastmath.h"
#include "layers.h"
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

/* cos_table[k·n + j] = cos(2π k j / n), sin_table likewise: the DFT matrix of
 * length n, symmetric in k and j. */
static void dft_tables(double *cos_table, double *sin_table, int n)
{
    for (int k = 0; k < n; k++) {
        for (int j = 0; j < n; j++) {
            /* k·j mod n keeps the angle in [0, 2π) so the table is exact to rounding */
            double angle = 2.0 * M_PI * (double)(((long)k * j) % n) / n;
            cos_table[(size_t)k * n + j] = cos(angle);
            sin_table[(size_t)k * n + j] = sin(angle);
        }
    }
}

/* dst[n] += a · src[n]: the inner loop of both DFT passes (vectorisable). */
static void axpy(double *restrict dst, double a, const double *restrict src, int n)
{
    FF_ELEMENTWISE(k, (size_t)n, dst[k] += a * src[k]);
}

int mean_power_spectrum(double *power, const uint8_t *images, int N, int H, int W, int C)
{
    if (N <= 0 || H <= 0 || W <= 0 || C <= 0) {
        ffvae_error("power spectrum: no images (N=%d, %dx%dx%d)", N, H, W, C);
        return -1;
    }
    const size_t HW = (size_t)H * W;
    /* One block: two DFT tables per axis, the mean-free plane, the row pass
     * (re, im) and the column pass (re, im). */
    size_t doubles = 2 * (size_t)W * W + 2 * (size_t)H * H + 5 * HW;
    double *work = checked_malloc(doubles, sizeof *work, "power spectrum work space");
    if (!work)
        return -1;
    double *cos_w = work, *sin_w = cos_w + (size_t)W * W; // [W, W]
    double *cos_h = sin_w + (size_t)W * W, *sin_h = cos_h + (size_t)H * H; // [H, H]
    double *plane = sin_h + (size_t)H * H;                // [H, W]
    double *row_re = plane + HW, *row_im = row_re + HW;   // [H, W]  DFT along x
    double *out_re = row_im + HW, *out_im = out_re + HW;  // [H, W]  then along y
    dft_tables(cos_w, sin_w, W);
    dft_tables(cos_h, sin_h, H);
    memset(power, 0, HW * sizeof *power);

    for (int n = 0; n < N; n++) {
        for (int c = 0; c < C; c++) {
            const uint8_t *img = images + (size_t)n * HW * C;
            double mean = 0.0;
            for (size_t p = 0; p < HW; p++) {
                plane[p] = img[p * C + c] / 255.0;
                mean += plane[p];
            }
            mean /= (double)HW;
            for (size_t p = 0; p < HW; p++)
                plane[p] -= mean;

            /* Rows: R[i, kx] = Σ_j x[i, j] e^{−2πi kx j / W} = row_re + i·row_im */
            memset(row_re, 0, 2 * HW * sizeof *row_re);
            for (int i = 0; i < H; i++) {
                for (int j = 0; j < W; j++) {
                    double x = plane[(size_t)i * W + j];
                    axpy(row_re + (size_t)i * W, x, cos_w + (size_t)j * W, W);
                    axpy(row_im + (size_t)i * W, -x, sin_w + (size_t)j * W, W);
                }
            }
            /* Columns: X[ky, kx] = Σ_i R[i, kx] e^{−2πi ky i / H} */
            memset(out_re, 0, 2 * HW * sizeof *out_re);
            for (int ky = 0; ky < H; ky++) {
                double *re = out_re + (size_t)ky * W, *im = out_im + (size_t)ky * W;
                for (int i = 0; i < H; i++) {
                    double cy = cos_h[(size_t)ky * H + i], sy = sin_h[(size_t)ky * H + i];
                    const double *rr = row_re + (size_t)i * W, *ri = row_im + (size_t)i * W;
                    axpy(re, cy, rr, W);  /* (cy − i·sy)(rr + i·ri) */
                    axpy(re, sy, ri, W);
                    axpy(im, cy, ri, W);
                    axpy(im, -sy, rr, W);
                }
            }
            for (size_t p = 0; p < HW; p++)
                power[p] += out_re[p] * out_re[p] + out_im[p] * out_im[p];
        }
    }
    /* Normalised DFT (÷ HW) squared, averaged over images and channels: by
     * Parseval the whole table then sums to the mean pixel variance. */
    double norm = 1.0 / ((double)HW * (double)HW * (double)N * (double)C);
    for (size_t p = 0; p < HW; p++)
        power[p] *= norm;
    free(work);
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
