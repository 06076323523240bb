/* cmd_interp.c - `ffvae interp`: rows of decoded points on the path between
 * two latents (two test images' posterior means, or two prior draws). */
#include <string.h>

#include "commands.h"
#include "figures.h"
#include "model_io.h"
#include "options.h"
#include "util.h"

#define MAX_ROWS 256

const char cmd_interp_usage[] =
    "usage: ffvae interp CKPT -d DATA.h5 -o OUT.png --pair I,J [--pair K,L ...] [options]\n"
    "       ffvae interp CKPT --random [--rows N] -o OUT.png [options]\n"
    "\n"
    "Encodes test images I and J to their posterior means, decodes F evenly spaced\n"
    "points t = k/(F-1), k = 0..F-1, on the path between them (both ends included),\n"
    "and writes one row per pair: image I, the F frames, image J. With --random each\n"
    "row runs between two prior draws instead (no originals; no -d or --pair).\n"
    "\n"
    "  -d, --data FILE    dataset (.h5); indices are into its test split\n"
    "  -o, --out FILE     PNG to write (replaced atomically)\n"
    "      --pair I,J     a row from test image I to test image J (repeatable, max 256)\n"
    "      --frames F     points on each path (2..256, default 10)\n"
    "      --slerp        along the great circle (spherical) instead of a straight line\n"
    "      --size S       render frames at S x S (1..8192); originals are enlarged by\n"
    "                     nearest neighbour to match\n"
    "      --random       interpolate between prior draws\n"
    "      --rows N       rows with --random (1..256, default 4)\n"
    "      --seed S       random seed for --random (default 1)\n"
    "      --scale K      enlarge each image K times by pixel replication (1..64)\n";

/* "I,J" into two non-negative indices. */
static int parse_pair(int *pair, const char *arg)
{
    char a[32], *comma = strchr(arg, ',');
    long i, j;
    size_t len = comma ? (size_t)(comma - arg) : 0;
    if (!comma || len == 0 || len >= sizeof a)
        goto bad;
    memcpy(a, arg, len);
    a[len] = '\0';
    if (parse_long(a, &i) || parse_long(comma + 1, &j) || i < 0 || j < 0 || i > 2147483647 ||
        j > 2147483647)
        goto bad;
    pair[0] = (int)i, pair[1] = (int)j;
    return 0;
bad:
    ffvae_error("interp: --pair: expected I,J (two test image indices), got '%s'", arg);
    return -1;
}

/* Every index of the pairs names a test image of ds (loaded from data). */
static int pairs_in_range(int (*pairs)[2], int n_pairs, const Dataset *ds, const char *data)
{
    for (int p = 0; p < n_pairs; p++)
        for (int e = 0; e < 2; e++)
            if (pairs[p][e] >= ds->test.n) {
                ffvae_error("interp: --pair %d,%d: index %d out of range (%s has %d test images)",
                            pairs[p][0], pairs[p][1], pairs[p][e], data, ds->test.n);
                return -1;
            }
    return 0;
}

int cmd_interp(int argc, char **argv)
{
    static int pairs[MAX_ROWS][2];
    const char *pair_args[MAX_ROWS];
    OptionList pair_list = {pair_args, MAX_ROWS, 0};
    const char *data = NULL, *out = NULL;
    int frames = 10, slerp = 0, size = 0, random = 0, rows = 0, scale = 1;
    uint64_t seed = 1;
    const Option opts[] = {
        OPT_TEXT("data", 'd', &data),
        OPT_TEXT("out", 'o', &out),
        OPT_LIST("pair", 0, &pair_list),
        OPT_INT("frames", 0, &frames, 2, 256),
        OPT_FLAG("slerp", 0, &slerp),
        OPT_INT("size", 0, &size, 1, MAX_RENDER_SIZE),
        OPT_FLAG("random", 0, &random),
        OPT_INT("rows", 0, &rows, 1, MAX_ROWS),
        OPT_SEED("seed", &seed),
        OPT_INT("scale", 0, &scale, 1, MAX_SCALE),
        OPT_END};
    int argi = options_parse("interp", cmd_interp_usage, opts, argc, argv);
    if (argi < 0)
        return options_exit_status(argi);
    int n_pairs = pair_list.n;
    for (int p = 0; p < n_pairs; p++)
        if (parse_pair(pairs[p], pair_args[p]) != 0)
            return 2;
    if (argi != argc - 1 || !out)
        return usage_error("interp", "CKPT and -o OUT.png are required");
    if (!random && !data)
        return usage_error("interp", "-d DATA.h5 is required (or --random)");
    const char *ckpt = argv[argi];
    TrainedVae v;
    if (trained_vae_open(&v, out, ckpt, random ? NULL : data) != 0)
        return 1;
    Rng r;
    rng_seed(&r, seed, 0);
    InterpFigure f = {.test = random ? NULL : &v.ds.test,
                      .pairs = &pairs[0][0],
                      .rng = &r,
                      .rows = random ? (rows ? rows : 4) : n_pairs,
                      .frames = frames,
                      .slerp = slerp,
                      .size = size,
                      .scale = scale};
    int rc = 1;
    if (random || pairs_in_range(pairs, n_pairs, &v.ds, data) == 0)
        rc = figure_interp(out, &v.m, &f) == 0 ? 0 : 1;
    trained_vae_close(&v);
    return rc;
}
