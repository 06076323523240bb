/* spectrum.h - power spectra of images and the high-frequency energy ratio,
 * the blur measure that compares a model's images with the data's.
 *
 * Definitions (copied into the README):
 *
 * Power spectrum. For an image x [H, W, C], each channel has its mean removed
 * (so the DC term is zero) and its 2-D DFT taken,
 *     X_c[ky, kx] = sum_{y,x} x_c[y, x] exp(-2 pi i (ky y / H + kx x / W)),
 * and the power is summed over channels: P[ky, kx] = sum_c |X_c[ky, kx]|^2,
 * stored [H, W] in DFT order (row ky, column kx, index 0 = zero frequency).
 * Parseval: sum P = H W sum_c sum_{y,x} (x_c - mean_c)^2.
 *
 * Frequency of a bin. The signed index k' is k for k <= size/2 and
 * k - size above it; the frequency is (fx, fy) = (kx'/W, ky'/H) in cycles
 * per pixel and the radius r = sqrt(fx^2 + fy^2). Nyquist is r = 0.5.
 *
 * Radial average. n_bins bins of equal width w = 0.5 / n_bins cover
 * [0, 0.5]: bin b holds the DFT bins with b w <= r < (b + 1) w; r = 0.5
 * exactly goes to the last bin. Corners with r > 0.5 (diagonal frequencies
 * beyond Nyquist, which a circle of radius 0.5 does not reach) are dropped,
 * so every bin averages over a full ring. radial[b] is the mean of P over
 * the DFT bins in it (0 for a bin that holds none). The natural count
 * spectrum_bins(H, W) = min(H, W)/2 + 1 (15 for 28x28).
 *
 * High-frequency energy ratio. "Above half Nyquist" means the bins whose
 * centre (b + 0.5) w is > 0.25 cycles/pixel. The ratio is
 *     sum_{b: centre > 0.25} model_radial[b] / sum_{b: centre > 0.25} data_radial[b],
 * power, not power normalised by the total: 1.0 is as sharp as the data,
 * lower is blurrier. Both spectra must use the same n_bins. */
#ifndef FFVAE_SPECTRUM_H
#define FFVAE_SPECTRUM_H

#include <stddef.h>
#include <stdint.h>

/* A DFT plan for one image size: twiddle tables and scratch in one
 * allocation, so transforming many images allocates nothing more. */
typedef struct {
    int H, W;
    /* Real input: only columns kx = 0 .. W/2 are transformed (nk = W/2 + 1). */
    double *cos_w, *sin_w;   /* [W, nk] cos/sin(2 pi kx x / W), row x */
    double *cos_h, *sin_h;   /* [H, H] cos/sin(2 pi ky y / H), row ky */
    double *row_re, *row_im; /* [H, nk] rows transformed */
    double *col_re, *col_im; /* [nk] one output row ky */
    double *block;           /* the one allocation */
} DftPlan;

int dft_plan_init(DftPlan *plan, int H, int W);
void dft_plan_free(DftPlan *plan);

/* power[H, W] = sum_c |DFT(img_c - mean_c)|^2 in DFT order, img [H, W, C]
 * (channels interleaved). Uses the plan's scratch: one plan per thread. */
void power_spectrum_2d_plan(double *power, DftPlan *plan, const float *img, int C);
/* The same for uint8 img [H, W, C], each value v read as v / 255 in double. */
void power_spectrum_2d_plan_u8(double *power, DftPlan *plan, const uint8_t *img, int C);

/* The same without a plan: allocates one scratch block per call. Returns -1
 * on bad sizes or allocation failure (reported). */
int power_spectrum_2d(double *power, const float *img, int H, int W, int C);

/* min(H, W)/2 + 1 */
int spectrum_bins(int H, int W);

/* radial[n_bins] = mean of power[H, W] per ring, binned as above. Allocates
 * n_bins counters per call (called once per evaluation, not per image).
 * Returns -1 (reported) on bad sizes or allocation failure. */
int radial_spectrum(double *radial, int n_bins, const double *power, int H, int W);

/* Centre of radial bin b in cycles/pixel: (b + 0.5) * 0.5 / n_bins. */
double spectrum_bin_centre(int b, int n_bins);

/* Model's power above half Nyquist / data's (see above). NAN when the data
 * has no power there (a constant image) or n_bins < 1. */
double hf_energy_ratio(const double *model_radial, const double *data_radial, int n_bins);

/* Mean power spectrum of a stream of images: init once, add each image,
 * read the mean. One allocation at init. */
typedef struct {
    DftPlan plan;
    int C;
    long count;
    double *power;     /* [H, W] one image's spectrum */
    double *power_sum; /* [H, W] sum over the images added */
} SpectrumAccum;

int spectrum_accum_init(SpectrumAccum *acc, int H, int W, int C);
/* img [H, W, C] */
void spectrum_accum_add(SpectrumAccum *acc, const float *img);
/* uint8 img [H, W, C], read as v / 255 (in double, exact for byte data) */
void spectrum_accum_add_u8(SpectrumAccum *acc, const uint8_t *img);
/* mean_power[H, W] over the images added (zeros when none). */
void spectrum_accum_mean_power(double *mean_power, const SpectrumAccum *acc);
/* radial[n_bins] of the mean power. Returns -1 (reported) when nothing was
 * added or the sizes are bad. */
int spectrum_accum_radial(double *radial, int n_bins, const SpectrumAccum *acc);
void spectrum_accum_free(SpectrumAccum *acc);

#endif
