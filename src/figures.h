/* figures.h - the PNG figures of a trained VAE: prior samples, paths between
 * two latents, and reconstructions beside their originals. `ffvae sample`,
 * `interp` and `recon` each draw one of these, and `ffvae compare` draws the
 * same ones for every model it compares, so a figure is made one way wherever
 * it is asked for.
 *
 * Each function checks the grid's size (image_grid_size) before allocating
 * anything large, writes the PNG atomically (image_grid_write_png: grey
 * border, cells enlarged `scale` times) and returns 0, or -1 after reporting.
 * Test images must be the model's size and channels (model_io.h checks that
 * when loading), and indices into them are checked by the caller, which
 * knows how to name a bad one. */
#ifndef FFVAE_FIGURES_H
#define FFVAE_FIGURES_H

#include <stdint.h>

#include "dataset.h"
#include "model.h"
#include "rng.h"

/* n prior draws z = T·ε, ε ~ N(0, I) drawn from rng, decoded to their mean
 * images at size × size (0: the model's own size), in a grid of cols columns. */
int figure_samples(const char *path, const Model *m, int n, int size, float temperature,
                   Rng *rng, int cols, int scale);

/* The same draws written as a sample file (image_set.h: a dataset file with
 * a test split only, uint8, its name attribute `dataset`), for `ffvae score`. */
int samples_write_h5(const char *path, const Model *m, int n, int size, float temperature,
                     Rng *rng, const char *dataset, const char *source);

/* Rows of decoded points on the path between two latents. */
typedef struct {
    const Split *test; /* rows between test images: the posterior means of
                          pairs[2 p] and pairs[2 p + 1], with the two images at
                          the ends of row p; NULL: rows between prior draws */
    const int *pairs;  /* [rows, 2] indices into test (with test) */
    Rng *rng;          /* the prior draws (without test) */
    int rows;
    int frames;        /* points t = k / (frames − 1) on each path, both ends included */
    int slerp;         /* 1: along the great circle; 0: a straight line */
    int size;          /* frames at size × size (0: the model's size); the
                          originals are enlarged by nearest neighbour to match */
    int scale;
} InterpFigure;

/* One row per path: [original,] frames[, original]. */
int figure_interp(const char *path, const Model *m, const InterpFigure *f);

/* Pairs per row of figure_recon: 8 pairs = 16 columns, a page-wide figure at 28×28. */
#define FIGURE_RECON_PAIRS_PER_ROW 8

/* Test images 0 .. n − 1 (n ≤ test->n), each followed on its right by its
 * reconstruction, FIGURE_RECON_PAIRS_PER_ROW pairs a row. */
int figure_recon(const char *path, const Model *m, const Split *test, int n, int scale);

/* out[n, H, W, C]: reconstructions of images (uint8 [n, H, W, C] at the
 * model's size), the mean images decoded from their posterior means. */
int reconstruct_images(float *out, const Model *m, const uint8_t *images, int n);

/* Several models' reconstructions under the originals (compare's recon.png):
 * grid[(models + 1) · cols, H, W, C] holds in its rows 1 .. models what
 * reconstruct_images made of the first cols test images (cells it did not
 * fill stay as they are); this puts those originals in row 0 and writes the
 * whole grid. */
int figure_recon_rows(const char *path, float *grid, const Split *test, int models, int cols,
                      int scale);

#endif
