/* cmd_recon.c - `ffvae recon`: test images beside their reconstructions. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd_model.h"
#include "commands.h"
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
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'}, {"count", required_argument, 0, 'n'},
        {"out", required_argument, 0, 'o'},  {"scale", required_argument, 0, 'k'},
        {0, 0, 0, 0}};
    const char *data = NULL, *out = NULL;
    int n = 0, scale = 1, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:n:o:", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'd': data = optarg; break;
        case 'o': out = optarg; break;
        case 'n': bad = parse_int_option(&n, "recon", "count", optarg, 1, 2147483647); break;
        case 'k': bad = parse_int_option(&scale, "recon", "scale", optarg, 1, 64); break;
        default: fputs(cmd_recon_usage, stderr); return 2;
        }
        if (bad)
            return 2;
    }
    if (optind != argc - 1 || !data || !out || n < 1) {
        ffvae_error("recon: CKPT, -d DATA, -n N and -o OUT.png are required (see 'ffvae help recon')");
        return 2;
    }
    const char *ckpt = argv[optind];
    if (check_output_path(out) != 0)
        return 1;

    Model m;
    Dataset ds;
    int rc = 1, have_data = 0;
    float *mu = NULL, *images = NULL, *recon = NULL;
    if (load_vae(&m, "recon", ckpt) != 0)
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
