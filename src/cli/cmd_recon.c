/* cmd_recon.c - `ffvae recon`: test images beside their reconstructions. */
#include <stdio.h>
#include <stdlib.h>

#include "model_io.h"
#include "commands.h"
#include "options.h"
#include "image_grid.h"
#include "latent.h"
#include "render.h"
#include "util.h"

/* Pairs per grid row: 8 pairs = 16 columns, a page-wide figure at 28×28. */
#define RECON_PAIRS_PER_ROW 8

const char cmd_recon_usage[] =
    "usage: ffvae recon CKPT -d DATA.h5 -n N -o OUT.png [--scale K]\n"
    "\n"
    "The first N test images, each followed on its right by its reconstruction:\n"
    "the mean image sigma(logits) decoded from the posterior mean z = mu(x).\n"
    "Up to 8 pairs per row (16 columns), 1-pixel grey border between cells.\n"
    "\n"
    "  -d, --data FILE    dataset (.h5); images come from its test split\n"
    "  -n, --count N      images to reconstruct (1..the test split's size)\n"
    "  -o, --out FILE     PNG to write (replaced atomically)\n"
    "      --scale K      enlarge each image K times by pixel replication (1..64)\n";

int cmd_recon(int argc, char **argv)
{
    const char *data = NULL, *out = NULL;
    int n = 0, scale = 1;
    const Option opts[] = {
        OPT_TEXT("data", 'd', &data),
        OPT_INT("count", 'n', &n, 1, MAX_COUNT),
        OPT_TEXT("out", 'o', &out),
        OPT_INT("scale", 0, &scale, 1, MAX_SCALE),
        OPT_END};
    int argi = options_parse("recon", cmd_recon_usage, opts, argc, argv);
    if (argi < 0)
        return options_exit_status(argi);
    if (argi != argc - 1 || !data || !out || n < 1)
        return usage_error("recon", "CKPT, -d DATA, -n N and -o OUT.png are required");
    const char *ckpt = argv[argi];
    if (output_check(out) != 0)
        return 1;

    Model m;
    Dataset ds;
    int rc = 1, have_data = 0;
    float *mu = NULL, *images = NULL, *recon = NULL;
    if (load_vae(&m, ckpt) != 0)
        return 1;
    if (load_fitting_data(&ds, &m, ckpt, data) != 0)
        goto done;
    have_data = 1;
    if (n > ds.test.n) {
        ffvae_error("recon: -n %d: out of range (%s has %d test images)", n, data, ds.test.n);
        goto done;
    }
    int C = m.C, cols = 2 * (n < RECON_PAIRS_PER_ROW ? n : RECON_PAIRS_PER_ROW), gh, gw;
    size_t image_size = (size_t)m.P * C;
    if (image_grid_size(&gh, &gw, 2 * n, m.H, m.W, cols, scale) != 0)
        goto done;
    mu = checked_malloc((size_t)n, (size_t)m.latent * sizeof *mu, "posterior means");
    recon = checked_malloc((size_t)n, image_size * sizeof *recon, "reconstructions");
    images = checked_malloc(2 * (size_t)n, image_size * sizeof *images, "recon grid images");
    if (!mu || !recon || !images)
        goto done;
    if (latent_encode_means(mu, &m, ds.test.images, n) != 0 ||
        render_mean_images(recon, &m, mu, n, m.H, m.W) != 0)
        goto done;
    /* Cells alternate: original i, then its reconstruction. */
    for (int i = 0; i < n; i++) {
        float *cell = images + 2 * (size_t)i * image_size;
        images_to_float(cell, ds.test.images + (size_t)i * image_size, 1, m.H, m.W, C, m.H, m.W);
        for (size_t k = 0; k < image_size; k++)
            cell[image_size + k] = recon[(size_t)i * image_size + k];
    }
    if (image_grid_write_png(out, images, 2 * n, m.H, m.W, C, cols, scale) != 0)
        goto done;
    rc = 0;
done:
    free(mu);
    free(recon);
    free(images);
    if (have_data)
        dataset_free(&ds);
    model_free(&m);
    return rc;
}
