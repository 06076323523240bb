/* cmd_sample.c - `ffvae sample`: decode prior draws into one PNG grid. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd_model.h"
#include "commands.h"
#include "image_grid.h"
#include "latent.h"
#include "render.h"
#include "util.h"

const char cmd_sample_usage[] =
    "usage: ffvae sample CKPT -n N -o OUT.png [options]\n"
    "\n"
    "Draws N latents z = T * eps, eps ~ N(0, I), decodes each to its mean image\n"
    "sigma(logits) and writes them as one PNG grid (1-pixel grey border).\n"
    "A coordinate decoder renders at any size; a dense decoder only at its own.\n"
    "\n"
    "  -n, --count N         images (1..65536)\n"
    "  -o, --out FILE        PNG to write (replaced atomically)\n"
    "      --size S          render S x S pixels (1..8192; default: the model's size)\n"
    "      --temperature T   scale of the prior draws (default 1)\n"
    "      --seed S          random seed (default 1)\n"
    "      --scale K         enlarge each image K times by pixel replication (1..64)\n"
    "      --cols C          grid columns (default ceil(sqrt(N)))\n";

int cmd_sample(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, 0, 'n'}, {"out", required_argument, 0, 'o'},
        {"size", required_argument, 0, 's'},  {"temperature", required_argument, 0, 'T'},
        {"seed", required_argument, 0, 'S'},  {"scale", required_argument, 0, 'k'},
        {"cols", required_argument, 0, 'c'},  {0, 0, 0, 0}};
    const char *out = NULL;
    int n = 0, size = 0, scale = 1, cols = 0, seed = 1, c;
    float temperature = 1.0f;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:o:", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'n': bad = parse_int_option(&n, "sample", "count", optarg, 1, 65536); break;
        case 'o': out = optarg; break;
        case 's': bad = parse_size_option(&size, "sample", optarg); break;
        case 'S': bad = parse_int_option(&seed, "sample", "seed", optarg, 0, 2147483647); break;
        case 'k': bad = parse_int_option(&scale, "sample", "scale", optarg, 1, 64); break;
        case 'c': bad = parse_int_option(&cols, "sample", "cols", optarg, 1, 65536); break;
        case 'T':
            if (parse_float(optarg, &temperature) || !(temperature >= 0) || temperature > 100) {
                ffvae_error("sample: --temperature: expected 0..100, got '%s'", optarg);
                bad = 1;
            }
            break;
        default: fputs(cmd_sample_usage, stderr); return 2;
        }
        if (bad)
            return 2;
    }
    if (optind != argc - 1 || !out || n < 1) {
        ffvae_error("sample: CKPT, -n N and -o OUT.png are required (see 'ffvae help sample')");
        return 2;
    }
    const char *ckpt = argv[optind];
    if (cols == 0)
        cols = (int)ceil(sqrt((double)n));
    if (check_output_path(out) != 0)
        return 1;

    Model m;
    if (load_vae(&m, "sample", ckpt) != 0)
        return 1;
    int Hs = size ? size : m.H, Ws = size ? size : m.W, gh, gw, rc = 1;
    float *z = NULL, *images = NULL;
    /* The grid's size is checked before anything large is allocated. */
    if (image_grid_size(&gh, &gw, n, Hs, Ws, cols, scale) != 0)
        goto done;
    z = checked_malloc((size_t)n * m.latent, sizeof *z, "latents");
    images = checked_malloc((size_t)n * Hs * Ws, (size_t)m.C * sizeof *images, "sample images");
    if (!z || !images)
        goto done;
    Rng r;
    rng_seed(&r, (uint64_t)seed, 0);
    latent_sample_prior(z, n, m.latent, temperature, &r);
    if (render_mean_images(images, &m, z, n, Hs, Ws) != 0 ||
        image_grid_write_png(out, images, n, Hs, Ws, m.C, cols, scale) != 0)
        goto done;
    rc = 0;
done:
    free(z);
    free(images);
    model_free(&m);
    return rc;
}
