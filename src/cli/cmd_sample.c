/* cmd_sample.c - `ffvae sample`: decode prior draws into one PNG grid. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "figures.h"
#include "image_set.h"
#include "model_io.h"
#include "options.h"
#include "util.h"

const char cmd_sample_usage[] =
    "usage: ffvae sample CKPT -n N -o OUT.png|OUT.h5 [options]\n"
    "\n"
    "Draws N latents z = T * eps, eps ~ N(0, I), decodes each to its mean image\n"
    "sigma(logits) and writes them as one PNG grid (1-pixel grey border), or, for\n"
    "an output ending in .h5, as a dataset file with a test split only (uint8\n"
    "[N, H, W, C], rounded from [0, 1]) that 'ffvae score' and h5py read.\n"
    "A coordinate decoder renders at any size; a dense decoder only at its own.\n"
    "\n"
    "  -n, --count N         images (1..65536)\n"
    "  -o, --out FILE        PNG or .h5 to write (replaced atomically)\n"
    "      --size S          render S x S pixels (1..8192; default: the model's size)\n"
    "      --temperature T   scale of the prior draws (default 1)\n"
    "      --seed S          random seed (default 1)\n"
    "      --scale K         enlarge each image K times by pixel replication (1..64)\n"
    "      --cols C          grid columns (default ceil(sqrt(N)))\n";

int cmd_sample(int argc, char **argv)
{
    const char *out = NULL;
    int n = 0, size = 0, scale = 1, cols = 0;
    uint64_t seed = 1;
    double temperature = 1.0;
    const Option opts[] = {
        OPT_INT("count", 'n', &n, 1, 65536),
        OPT_TEXT("out", 'o', &out),
        OPT_INT("size", 0, &size, 1, MAX_RENDER_SIZE),
        OPT_NUMBER("temperature", &temperature, 0, 100, 0),
        OPT_SEED("seed", &seed),
        OPT_INT("scale", 0, &scale, 1, MAX_SCALE),
        OPT_INT("cols", 0, &cols, 1, 65536),
        OPT_END};
    int argi = options_parse("sample", cmd_sample_usage, opts, argc, argv);
    if (argi < 0)
        return options_exit_status(argi);
    if (argi != argc - 1 || !out || n < 1)
        return usage_error("sample", "CKPT, -n N and -o OUT.png are required");
    const char *ckpt = argv[argi];
    if (cols == 0)
        cols = (int)ceil(sqrt((double)n));
    TrainedVae v;
    if (trained_vae_open(&v, out, ckpt, NULL) != 0)
        return 1;
    Rng r;
    rng_seed(&r, seed, 0);
    size_t len = strlen(out);
    int rc;
    if (len > 3 && strcmp(out + len - 3, ".h5") == 0) {
        /* the sample file names the dataset the model learnt, for score's check */
        char dataset[256] = "";
        if (h5_root_attr(ckpt, "dataset", dataset, sizeof dataset) != 0) {
            trained_vae_close(&v);
            return 1;
        }
        char source[4200];
        snprintf(source, sizeof source, "ffvae sample %s -n %d --temperature %g --seed %llu",
                 ckpt, n, temperature, (unsigned long long)seed);
        rc = samples_write_h5(out, &v.m, n, size, (float)temperature, &r, dataset, source);
    } else {
        rc = figure_samples(out, &v.m, n, size, (float)temperature, &r, cols, scale);
    }
    trained_vae_close(&v);
    return rc == 0 ? 0 : 1;
}
