/* figures.c - sample, interpolation and reconstruction figures (figures.h). */
#include "figures.h"

#include <stdlib.h>
#include <string.h>

#include "image_grid.h"
#include "image_set.h"
#include "latent.h"
#include "render.h"
#include "util.h"

/* The mean images float [n, Hs, Ws, C] of n prior draws at temperature T,
 * malloc'd (the caller frees); NULL after reporting. */
static float *render_samples(const Model *m, int n, int Hs, int Ws, float temperature, Rng *rng)
{
    float *z = checked_malloc((size_t)n * m->latent, sizeof *z, "latents");
    float *images = checked_malloc((size_t)n * Hs * Ws, (size_t)m->C * sizeof *images,
                                   "sample images");
    int ok = z && images;
    if (ok) {
        latent_sample_prior(z, n, m->latent, temperature, rng);
        ok = render_mean_images(images, m, z, n, Hs, Ws) == 0;
    }
    free(z);
    if (!ok) {
        free(images);
        return NULL;
    }
    return images;
}

int figure_samples(const char *path, const Model *m, int n, int size, float temperature,
                   Rng *rng, int cols, int scale)
{
    int Hs = size ? size : m->H, Ws = size ? size : m->W, gh, gw;
    /* The grid's size is checked before anything large is allocated. */
    if (image_grid_size(&gh, &gw, n, Hs, Ws, cols, scale) != 0)
        return -1;
    float *images = render_samples(m, n, Hs, Ws, temperature, rng);
    int rc = images ? image_grid_write_png(path, images, n, Hs, Ws, m->C, cols, scale) : -1;
    free(images);
    return rc;
}

int samples_write_h5(const char *path, const Model *m, int n, int size, float temperature,
                     Rng *rng, const char *dataset, const char *source)
{
    int Hs = size ? size : m->H, Ws = size ? size : m->W;
    float *images = render_samples(m, n, Hs, Ws, temperature, rng);
    int rc = images ? image_set_write_samples(path, images, n, Hs, Ws, m->C, dataset, source)
                    : -1;
    free(images);
    return rc;
}

/* ends[2 rows, d]: the two latents of each row. Between test images they are
 * the images' posterior means, and the images themselves go at both ends of
 * each row of images[rows, cols, Hs, Ws, C]. */
static int interp_ends(float *ends, float *images, const Model *m, const InterpFigure *f,
                       int cols, int Hs, int Ws)
{
    if (!f->test) {
        latent_sample_prior(ends, 2 * f->rows, m->latent, 1.0f, f->rng);
        return 0;
    }
    size_t in_size = (size_t)m->P * m->C, image_size = (size_t)Hs * Ws * m->C;
    uint8_t *picked = checked_malloc(2 * (size_t)f->rows, in_size, "interp originals");
    if (!picked)
        return -1;
    for (int e = 0; e < 2 * f->rows; e++)
        memcpy(picked + (size_t)e * in_size, f->test->images + (size_t)f->pairs[e] * in_size,
               in_size);
    int bad = latent_encode_means(ends, m, picked, 2 * f->rows);
    for (int p = 0; p < f->rows && !bad; p++) {
        float *row = images + (size_t)p * cols * image_size;
        images_to_float(row, picked + 2 * (size_t)p * in_size, 1, m->H, m->W, m->C, Hs, Ws);
        images_to_float(row + (size_t)(cols - 1) * image_size,
                        picked + (2 * (size_t)p + 1) * in_size, 1, m->H, m->W, m->C, Hs, Ws);
    }
    free(picked);
    return bad ? -1 : 0;
}

int figure_interp(const char *path, const Model *m, const InterpFigure *f)
{
    int rows = f->rows, frames = f->frames, d = m->latent, C = m->C;
    int cols = f->test ? frames + 2 : frames; /* the originals frame each row */
    int Hs = f->size ? f->size : m->H, Ws = f->size ? f->size : m->W, gh, gw, rc = -1;
    size_t image_size = (size_t)Hs * Ws * C;
    if (image_grid_size(&gh, &gw, rows * cols, Hs, Ws, cols, f->scale) != 0)
        return -1;
    float *ends = checked_malloc(2 * (size_t)rows * d, sizeof *ends, "path ends");
    float *latents = checked_malloc((size_t)frames * d, sizeof *latents, "latent path");
    float *images = checked_malloc((size_t)rows * cols, image_size * sizeof *images,
                                   "interp images");
    if (!ends || !latents || !images || interp_ends(ends, images, m, f, cols, Hs, Ws) != 0)
        goto done;
    for (int p = 0; p < rows; p++) {
        latent_path(latents, ends + 2 * (size_t)p * d, ends + (2 * (size_t)p + 1) * d, d, frames,
                    f->slerp);
        float *first = images + ((size_t)p * cols + (f->test ? 1 : 0)) * image_size;
        if (render_mean_images(first, m, latents, frames, Hs, Ws) != 0)
            goto done;
    }
    rc = image_grid_write_png(path, images, rows * cols, Hs, Ws, C, cols, f->scale);
done:
    free(ends);
    free(latents);
    free(images);
    return rc;
}

int reconstruct_images(float *out, const Model *m, const uint8_t *images, int n)
{
    float *mu = checked_malloc((size_t)n, (size_t)m->latent * sizeof *mu, "posterior means");
    int rc = -1;
    if (mu && latent_encode_means(mu, m, images, n) == 0 &&
        render_mean_images(out, m, mu, n, m->H, m->W) == 0)
        rc = 0;
    free(mu);
    return rc;
}

int figure_recon(const char *path, const Model *m, const Split *test, int n, int scale)
{
    int pairs = n < FIGURE_RECON_PAIRS_PER_ROW ? n : FIGURE_RECON_PAIRS_PER_ROW;
    int C = m->C, cols = 2 * pairs, gh, gw, rc = -1;
    size_t image_size = (size_t)m->P * C;
    if (image_grid_size(&gh, &gw, 2 * n, m->H, m->W, cols, scale) != 0)
        return -1;
    float *recon = checked_malloc((size_t)n, image_size * sizeof *recon, "reconstructions");
    float *images = checked_malloc(2 * (size_t)n, image_size * sizeof *images,
                                   "recon grid images");
    if (recon && images && reconstruct_images(recon, m, test->images, n) == 0) {
        /* Cells alternate: original i, then its reconstruction. */
        for (int i = 0; i < n; i++) {
            float *cell = images + 2 * (size_t)i * image_size;
            images_to_float(cell, test->images + (size_t)i * image_size, 1, m->H, m->W, C, m->H,
                            m->W);
            memcpy(cell + image_size, recon + (size_t)i * image_size,
                   image_size * sizeof *recon);
        }
        rc = image_grid_write_png(path, images, 2 * n, m->H, m->W, C, cols, scale);
    }
    free(recon);
    free(images);
    return rc;
}

int figure_recon_rows(const char *path, float *grid, const Split *test, int models, int cols,
                      int scale)
{
    int shown = test->n < cols ? test->n : cols;
    images_to_float(grid, test->images, shown, test->h, test->w, test->c, test->h, test->w);
    return image_grid_write_png(path, grid, (models + 1) * cols, test->h, test->w, test->c, cols,
                                scale);
}
