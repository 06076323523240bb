/* image_grid.h - lays out n images in a grid and writes it as a PNG, for
 * `ffvae sample/recon/interp` figures.
 *
 * Geometry (copied into the README): images are float [n, H, W, C] in
 * [0, 1] (values outside are clamped, NaN becomes 0; stored as
 * round(255 v)), C = 1 (grey PNG) or 3 (RGB PNG). They fill `cols` columns
 * row by row, rows = ceil(n / cols); each is enlarged `scale` times by
 * pixel replication. A 1-pixel border of mid-grey (128 in every channel,
 * visible against both black and white images) runs between and around the
 * cells, and cells past the n-th are left grey:
 *     width  = cols (W scale + 1) + 1
 *     height = rows (H scale + 1) + 1
 * Image i's pixel (y, x) starts at grid row 1 + (i / cols)(H scale + 1) + y scale,
 * column 1 + (i % cols)(W scale + 1) + x scale. */
#ifndef FFVAE_IMAGE_GRID_H
#define FFVAE_IMAGE_GRID_H

#include <stdint.h>

#define GRID_BORDER_VALUE 128

/* Grid size in pixels for the layout above; -1 (reported) when an argument
 * is out of range or the grid would exceed GRID_MAX_SIDE on a side. */
#define GRID_MAX_SIDE 32768
int image_grid_size(int *grid_h, int *grid_w, int n, int H, int W, int cols, int scale);

/* grid[grid_h, grid_w, C] uint8 from images[n, H, W, C] (sizes from
 * image_grid_size; the caller allocates). */
void image_grid_fill(uint8_t *grid, const float *images, int n, int H, int W, int C,
                     int cols, int scale);

/* Builds the grid and writes it to path as PNG: under a temporary name,
 * renamed into place only when complete (an existing file is replaced;
 * a missing or unwritable directory is an error naming the path). Returns
 * 0, or -1 after reporting. */
int image_grid_write_png(const char *path, const float *images, int n, int H, int W, int C,
                         int cols, int scale);

/* out[n, Hs, Ws, C] floats in [0, 1] from uint8 images [n, H, W, C],
 * enlarged (or reduced) by nearest neighbour: out(y, x) = in(y H / Hs, x W / Ws). */
void images_to_float(float *out, const uint8_t *in, int n, int H, int W, int C, int Hs, int Ws);

#endif
