/* spectrum.c - separable DFT power spectra, their radial average and the
 * high-frequency energy ratio (definitions in spectrum.h).
 *
 * The DFT is a plain separable one with precomputed twiddle matrices:
 * O(H W (H + W)) per image, which beats an FFT's bookkeeping at the sizes we
 * use (28x28 to a few hundred pixels) and needs no power-of-two sizes. The
 * input is real, so only columns kx <= W/2 are transformed; the rest of the
 * power follows from P[ky, kx] = P[-ky, -kx]. Arithmetic is in double so
 * Parseval holds to ~1e-12 relative. */
#include "spectrum.h"

#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI /* not in strict ISO C */
#define M_PI 3.14159265358979323846
#endif

/* Columns kx = 0 .. W/2 are computed directly. */
static int half_cols(int W) { return W / 2 + 1; }

/* Largest side we accept: keeps the [W, W/2+1] tables and int indices sane. */
#define SPECTRUM_MAX_SIDE 16384

static int sizes_ok(int H, int W, const char *what)
{
    if (H < 1 || W < 1 || H > SPECTRUM_MAX_SIDE || W > SPECTRUM_MAX_SIDE) {
        ffvae_error("%s: image size %dx%d out of range (1..%d)", what, H, W,
                    SPECTRUM_MAX_SIDE);
        return 0;
    }
    return 1;
}

/* Lays out a plan in one block, with `extra` doubles after it for the caller
 * (the accumulator's buffers); returns the extra area or NULL. */
static double *plan_init_extra(DftPlan *plan, int H, int W, size_t extra)
{
    memset(plan, 0, sizeof *plan);
    if (!sizes_ok(H, W, "power spectrum"))
        return NULL;
    size_t nk = (size_t)half_cols(W);
    size_t hs = (size_t)H, ws = (size_t)W;
    size_t total = 2 * ws * nk + 2 * hs * hs + 2 * hs * nk + 2 * nk + extra;
    double *block = checked_malloc(total, sizeof(double), "DFT plan");
    if (!block)
        return NULL;
    plan->H = H;
    plan->W = W;
    plan->block = block;
    double *p = block;
    plan->cos_w = p; p += ws * nk;
    plan->sin_w = p; p += ws * nk;
    plan->cos_h = p; p += hs * hs;
    plan->sin_h = p; p += hs * hs;
    plan->row_re = p; p += hs * nk;
    plan->row_im = p; p += hs * nk;
    plan->col_re = p; p += nk;
    plan->col_im = p; p += nk;

    /* The angle is reduced mod N in integers first, so large k n products
     * lose no precision. */
    for (int x = 0; x < W; x++)
        for (size_t kx = 0; kx < nk; kx++) {
            double a = 2.0 * M_PI * (double)(((int64_t)kx * x) % W) / W;
            plan->cos_w[x * nk + kx] = cos(a);
            plan->sin_w[x * nk + kx] = sin(a);
        }
    for (int ky = 0; ky < H; ky++)
        for (int y = 0; y < H; y++) {
            double a = 2.0 * M_PI * (double)(((int64_t)ky * y) % H) / H;
            plan->cos_h[(size_t)ky * hs + y] = cos(a);
            plan->sin_h[(size_t)ky * hs + y] = sin(a);
        }
    return extra ? p : block;
}

int dft_plan_init(DftPlan *plan, int H, int W)
{
    return plan_init_extra(plan, H, W, 0) ? 0 : -1;
}

void dft_plan_free(DftPlan *plan)
{
    free(plan->block);
    memset(plan, 0, sizeof *plan);
}

/* One value of a float image, or of a uint8 image scaled to [0, 1] in double
 * (so byte data loses nothing to float rounding). */
static inline double pixel_value(const float *f, const uint8_t *u, size_t i)
{
    return f ? (double)f[i] : u[i] / 255.0;
}

/* The transform of either kind of image: exactly one of f, u is non-NULL. */
static void power_spectrum_core(double *power, DftPlan *plan, const float *f, const uint8_t *u,
                                int C)
{
    const int H = plan->H, W = plan->W, nk = half_cols(W);
    const size_t npix = (size_t)H * W;
    double *re = plan->row_re, *im = plan->row_im;
    double *col_re = plan->col_re, *col_im = plan->col_im;

    for (int ky = 0; ky < H; ky++)
        memset(power + (size_t)ky * W, 0, (size_t)nk * sizeof(double));

    for (int c = 0; c < C; c++) {
        double mean = 0;
        for (size_t i = 0; i < npix; i++)
            mean += pixel_value(f, u, i * C + c);
        mean /= (double)npix;

        /* Rows: re/im[y, kx] = sum_x v[y, x] (cos - i sin)(2 pi kx x / W).
         * Loop order keeps the inner loop contiguous over kx. */
        memset(re, 0, (size_t)H * nk * sizeof(double));
        memset(im, 0, (size_t)H * nk * sizeof(double));
        for (int y = 0; y < H; y++) {
            double *rr = re + (size_t)y * nk, *ri = im + (size_t)y * nk;
            for (int x = 0; x < W; x++) {
                double v = pixel_value(f, u, ((size_t)y * W + x) * C + c) - mean;
                const double *cw = plan->cos_w + (size_t)x * nk;
                const double *sw = plan->sin_w + (size_t)x * nk;
                for (int kx = 0; kx < nk; kx++) {
                    rr[kx] += v * cw[kx];
                    ri[kx] -= v * sw[kx];
                }
            }
        }

        /* Columns: out[ky, kx] = sum_y row[y, kx] (cos - i sin)(2 pi ky y / H),
         * one output row at a time, its power added straight away. */
        for (int ky = 0; ky < H; ky++) {
            const double *ch = plan->cos_h + (size_t)ky * H;
            const double *sh = plan->sin_h + (size_t)ky * H;
            memset(col_re, 0, (size_t)nk * sizeof(double));
            memset(col_im, 0, (size_t)nk * sizeof(double));
            for (int y = 0; y < H; y++) {
                double cy = ch[y], sy = sh[y];
                const double *rr = re + (size_t)y * nk, *ri = im + (size_t)y * nk;
                for (int kx = 0; kx < nk; kx++) {
                    col_re[kx] += cy * rr[kx] + sy * ri[kx];
                    col_im[kx] += cy * ri[kx] - sy * rr[kx];
                }
            }
            double *prow = power + (size_t)ky * W;
            for (int kx = 0; kx < nk; kx++)
                prow[kx] += col_re[kx] * col_re[kx] + col_im[kx] * col_im[kx];
        }
    }

    /* Real input: P[ky, kx] = P[(H - ky) % H, W - kx] for kx > W/2. */
    for (int ky = 0; ky < H; ky++) {
        const double *mirror = power + (size_t)((H - ky) % H) * W;
        for (int kx = nk; kx < W; kx++)
            power[(size_t)ky * W + kx] = mirror[W - kx];
    }
}

void power_spectrum_2d_plan(double *power, DftPlan *plan, const float *img, int C)
{
    power_spectrum_core(power, plan, img, NULL, C);
}

void power_spectrum_2d_plan_u8(double *power, DftPlan *plan, const uint8_t *img, int C)
{
    power_spectrum_core(power, plan, NULL, img, C);
}

int power_spectrum_2d(double *power, const float *img, int H, int W, int C)
{
    if (C < 1) {
        ffvae_error("power spectrum: %d channels", C);
        return -1;
    }
    DftPlan plan;
    if (dft_plan_init(&plan, H, W) != 0)
        return -1;
    power_spectrum_2d_plan(power, &plan, img, C);
    dft_plan_free(&plan);
    return 0;
}

int spectrum_bins(int H, int W)
{
    return (H < W ? H : W) / 2 + 1;
}

double spectrum_bin_centre(int b, int n_bins)
{
    return (b + 0.5) * 0.5 / n_bins;
}

/* Signed DFT index: k for k <= n/2, k - n above. */
static int signed_index(int k, int n) { return k <= n / 2 ? k : k - n; }

int radial_spectrum(double *radial, int n_bins, const double *power, int H, int W)
{
    if (n_bins < 1 || !sizes_ok(H, W, "radial spectrum")) {
        if (n_bins < 1)
            ffvae_error("radial spectrum: %d bins", n_bins);
        return -1;
    }
    /* Called once per evaluation, so one small counts buffer is fine here. */
    long *count = checked_calloc((size_t)n_bins, sizeof(long), "radial spectrum bins");
    if (!count)
        return -1;
    const double width = 0.5 / n_bins;
    for (int b = 0; b < n_bins; b++)
        radial[b] = 0;
    for (int ky = 0; ky < H; ky++) {
        double fy = (double)signed_index(ky, H) / H;
        for (int kx = 0; kx < W; kx++) {
            double fx = (double)signed_index(kx, W) / W;
            double r = sqrt(fx * fx + fy * fy);
            if (r > 0.5)
                continue; /* corner beyond Nyquist: dropped */
            int b = (int)(r / width);
            if (b >= n_bins)
                b = n_bins - 1; /* r == 0.5 exactly */
            radial[b] += power[(size_t)ky * W + kx];
            count[b]++;
        }
    }
    for (int b = 0; b < n_bins; b++)
        radial[b] = count[b] ? radial[b] / (double)count[b] : 0.0;
    free(count);
    return 0;
}

double hf_energy_ratio(const double *model_radial, const double *data_radial, int n_bins)
{
    if (n_bins < 1)
        return NAN;
    double model = 0, data = 0;
    for (int b = 0; b < n_bins; b++)
        if (spectrum_bin_centre(b, n_bins) > 0.25) {
            model += model_radial[b];
            data += data_radial[b];
        }
    if (!(data > 0))
        return NAN;
    return model / data;
}

int spectrum_accum_init(SpectrumAccum *acc, int H, int W, int C)
{
    memset(acc, 0, sizeof *acc);
    if (C < 1) {
        ffvae_error("spectrum accumulator: %d channels", C);
        return -1;
    }
    if (!sizes_ok(H, W, "spectrum accumulator"))
        return -1;
    size_t npix = (size_t)H * W;
    double *extra = plan_init_extra(&acc->plan, H, W, 2 * npix);
    if (!extra)
        return -1;
    acc->C = C;
    acc->power = extra;
    acc->power_sum = extra + npix;
    memset(acc->power_sum, 0, npix * sizeof(double));
    return 0;
}

/* Adds the spectrum just computed into acc->power to the running sum. */
static void accum_power(SpectrumAccum *acc)
{
    size_t npix = (size_t)acc->plan.H * acc->plan.W;
    for (size_t i = 0; i < npix; i++)
        acc->power_sum[i] += acc->power[i];
    acc->count++;
}

void spectrum_accum_add(SpectrumAccum *acc, const float *img)
{
    power_spectrum_2d_plan(acc->power, &acc->plan, img, acc->C);
    accum_power(acc);
}

void spectrum_accum_add_u8(SpectrumAccum *acc, const uint8_t *img)
{
    power_spectrum_2d_plan_u8(acc->power, &acc->plan, img, acc->C);
    accum_power(acc);
}

void spectrum_accum_mean_power(double *mean_power, const SpectrumAccum *acc)
{
    size_t npix = (size_t)acc->plan.H * acc->plan.W;
    double scale = acc->count ? 1.0 / (double)acc->count : 0.0;
    for (size_t i = 0; i < npix; i++)
        mean_power[i] = acc->power_sum[i] * scale;
}

int spectrum_accum_radial(double *radial, int n_bins, const SpectrumAccum *acc)
{
    if (acc->count == 0) {
        ffvae_error("spectrum accumulator: no images added");
        return -1;
    }
    /* Radial averaging is linear, so the radial of the summed power divided
     * by the count is the radial of the mean power. */
    if (radial_spectrum(radial, n_bins, acc->power_sum, acc->plan.H, acc->plan.W) != 0)
        return -1;
    for (int b = 0; b < n_bins; b++)
        radial[b] /= (double)acc->count;
    return 0;
}

void spectrum_accum_free(SpectrumAccum *acc)
{
    dft_plan_free(&acc->plan);
    memset(acc, 0, sizeof *acc);
}
