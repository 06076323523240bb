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
 *        stays centred), with the same sigma 1.5 renormalised over its taps.
 * Laplacian variance: per channel, the response of the 3x3 kernel
 *        [0 1 0; 1 -4 1; 0 1 0] at the (H - 2)(W - 2) "valid" positions
 *        (no padding), its variance over those positions (divided by their
 *        count), averaged over channels. Large for sharp edges and for
 *        noise; a blurred image's is small. NAN for images under 3x3.
 * LFD    the log frequency distance of the Focal Frequency Loss paper (Jiang
 *        et al. 2021, their metrics/metric_utils.py: lfd): with the images in
 *        [0, 255] and F the unnormalised 2-D DFT of each channel,
 *            LFD = ln(1 + mean over C, H, W of |F_a - F_b|^2),
 *        which by Parseval is ln(1 + H W 255^2 MSE), MSE in [0, 1] units as
 *        above: a log of the MSE scaled by the pixel count, so it ranks
 *        reconstructions exactly as MSE and PSNR do. */
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

/* Laplacian variance of img [H, W, C] (see above). */
double laplacian_variance(const float *img, int H, int W, int C);

/* LFD of a and b, both [H, W, C] in [0, 1] (see above). */
double image_lfd(const float *a, const float *b, int H, int W, int C);

#endif
