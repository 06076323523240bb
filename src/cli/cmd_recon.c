/* cmd_recon.c - `ffvae recon`: test images beside their reconstructions. */
#include "commands.h"
#include "figures.h"
#include "model_io.h"
#include "options.h"
#include "util.h"

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
    TrainedVae v;
    if (trained_vae_open(&v, out, ckpt, data) != 0)
        return 1;
    int rc = 1;
    if (n > v.ds.test.n)
        ffvae_error("recon: -n %d: out of range (%s has %d test images)", n, data, v.ds.test.n);
    else if (figure_recon(out, &v.m, &v.ds.test, n, scale) == 0)
        rc = 0;
    trained_vae_close(&v);
    return rc;
}
