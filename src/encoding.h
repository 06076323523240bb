/* encoding.h - pixel coordinates and their encodings γ(v).
 *
 * Coordinates are pixel centres in the unit square: v = ((j + 0.5)/W, (i + 0.5)/H)
 * for row i, column j, pixel p = i·W + j. Frequencies B[F, 2] are in cycles per
 * unit length, so γ(v) = [sin 2π Bv, cos 2π Bv] means the same function at any
 * resolution. Encodings have no trainable parameters; γ is computed once per
 * resolution, not per step. */
#ifndef FFVAE_ENCODING_H
#define FFVAE_ENCODING_H

#include <stdint.h>

#include "rng.h"

/* v[H·W, 2] = pixel-centre coordinates (x, y) in (0, 1). */
void coord_grid(float *v, int H, int W);
/* The same for rows row0 .. row0+rows−1 only: v[rows·W, 2] (tiled rendering). */
void coord_rows(float *v, int H, int W, int row0, int rows);

/* 'none': out[P, 2] = 2v − 1, centred to [−1, 1]. */
void centred_coords(float *out, const float *v, int P);

/* gamma[P, 2F]: columns 0..F−1 are sin(2π v·B_f), columns F..2F−1 are cos(2π v·B_f). */
void fourier_features(float *gamma, const float *v, const float *B, int P, int F);

/* 'basic': B = I, F = 2: rows (1, 0), (0, 1). */
void basic_frequencies(float *B);
/* 'positional': F = 2m axis-aligned log-spaced frequencies f_j = top^(j/(m−1))
 * (f_0 = 1; m = 1 gives f = 1): rows (f_j, 0) for j < m, then (0, f_j). */
void positional_frequencies(float *B, int m, float top);
/* 'gaussian': B ~ N(0, σ²), F rows. */
void gaussian_frequencies(float *B, int F, float sigma, Rng *r);

/* Mean power spectrum of uint8 images [N, H, W, C] (scaled to [0, 1], each
 * image's mean removed, averaged over images and channels):
 * power[H, W] in DFT order (index (ky, kx), ky in 0..H−1). */
int mean_power_spectrum(double *power, const uint8_t *images, int N, int H, int W, int C);
/* 'spectrum': F frequencies drawn with probability proportional to power,
 * DC excluded; DFT index k maps to the signed frequency k or k − size (cycles
 * per unit), with a uniform jitter of ±0.5 so repeated draws differ. */
int spectrum_frequencies(float *B, int F, const double *power, int H, int W, Rng *r);

#endif
