/* measures.h - per-image quality measures for reconstructions: MSE, PSNR
 * and SSIM. Images are float [H, W, C] (channels interleaved) in [0, 1].
 *
 * Definitions (copied into the README):
 *
 * MSE  = mean over all H W C values of (a - b)^2.
 * PSNR = 10 log10(1 / MSE) dB (peak 1.0). MSE == 0 gives +INFINITY, which
 *        the commands print as "inf"; a negative or NaN MSE gives NAN.
 * SSIM   Wang, Bovik, Sheikh & Simoncelli (2004): per channel, local means,
 *        variances and covariance under a Gaussian window (11x11, sigma 1.5,
 *        weights normalised to sum 1), with C1 = (0.01 L)^2, C2 = (0.03 L)^2,
 *        L = 1,
 *            SSIM = (2 mu_a mu_b + C1)(2 sigma_ab + C2)
 *                   / ((mu_a^2 + mu_b^2 + C1)(sigma_a^2 + sigma_b^2 + C2)),
 *        evaluated only where the window lies fully inside the image (the
 *        "valid" region, no padding), averaged over those positions, then
 *        averaged over channels. An image smaller than 11 on its smaller
 *        side uses a window of that side's size (minus one if even, so it
 *        stays centred), with the same sigma 1.5 renormalised over its taps. */
#ifndef FFVAE_MEASURES_H
#define FFVAE_MEASURES_H

#include <stddef.h>

#define SSIM_WINDOW 11
#define SSIM_SIGMA 1.5
#define SSIM_K1 0.01
#define SSIM_K2 0.03

/* Mean squared difference of a[n] and b[n] (accumulated in double); 0 for n == 0. */
double image_mse(const float *a, const float *b, size_t n);

/* PSNR in dB for peak 1.0 (see above). */
double psnr_db(double mse);

/* Window side used for an H x W image: min(11, the smaller side made odd). */
int ssim_window_size(int H, int W);

/* Mean SSIM of a and b, both [H, W, C]. Allocates nothing. NAN on bad sizes. */
double ssim(const float *a, const float *b, int H, int W, int C);

#endif
