/* cmd_import.c - `ffvae import`: turns Fashion-MNIST / MNIST IDX files or a
 * folder of images into an ffvae dataset file. */
#include "commands.h"
#include "dataset.h"
#include "idx.h"
#include "import_images.h"
#include "util.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

const char cmd_import_usage[] =
    "usage: ffvae import fashion-mnist [DIR] -o OUT.h5 [--force] [--limit N]\n"
    "       ffvae import mnist DIR -o OUT.h5 [--force] [--limit N]\n"
    "       ffvae import images DIR -o OUT.h5 --size S [--gray] [--test-fraction F]\n"
    "                           [--seed N] [--force] [--limit N]\n"
    "\n"
    "Converts images into an ffvae dataset file (uint8 [N, H, W, C], see README).\n"
    "\n"
    "  fashion-mnist  the IDX files of Debian's dataset-fashion-mnist; DIR defaults\n"
    "                 to " FASHION_MNIST_DIR "\n"
    "  mnist          MNIST-style IDX files in DIR: train-images-idx3-ubyte,\n"
    "                 train-labels-idx1-ubyte, t10k-images-idx3-ubyte,\n"
    "                 t10k-labels-idx1-ubyte, each gzipped (.gz) or not\n"
    "  images         PNG/JPEG/BMP/TGA files in DIR; the immediate subfolders are\n"
    "                 the labels (files directly in DIR are unlabelled). Each image\n"
    "                 is centre-cropped to a square and resized to S x S.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE      the dataset file to write (required)\n"
    "  -f, --force            replace FILE if it exists\n"
    "      --limit N          keep at most the first N images of each split (for\n"
    "                         images: of the sorted file list, before splitting)\n"
    "      --size S           images: side of the square output images (required)\n"
    "      --gray             images: one grey channel instead of RGB\n"
    "      --test-fraction F  images: share of images in the test split (0.1)\n"
    "      --seed N           images: seed of the train/test split (0)\n"
    "\n"
    "The file is written under a temporary name and renamed when complete: a\n"
    "failed import leaves nothing behind.\n";

typedef struct {
    const char *kind, *dir, *output;
    int force, gray, size;
    long limit;
    float test_fraction;
    unsigned long long seed;
    int size_set, gray_set, fraction_set, seed_set;
} ImportArgs;

static const char *const fashion_names[] = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                            "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                            "Bag",         "Ankle boot"};

static int usage_error(const char *fmt, const char *arg)
{
    fputs("ffvae: import: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see 'ffvae help import')\n", stderr);
    return 2;
}

/* Reports the option getopt stopped at: a long one as typed (without any
 * "=value"), a short one from optopt. */
static int option_error(const char *fmt, char **argv, int ind)
{
    char opt[256];
    const char *arg = argv[ind - 1];
    if (strncmp(arg, "--", 2) == 0)
        snprintf(opt, sizeof opt, "%.*s", (int)strcspn(arg, "="), arg);
    else
        snprintf(opt, sizeof opt, "-%c", optopt);
    return usage_error(fmt, opt);
}

/* Parses argv into a; returns 0, or the exit status 2 after a message. */
static int parse_args(int argc, char **argv, ImportArgs *a)
{
    enum { OPT_LIMIT = 256, OPT_SIZE, OPT_GRAY, OPT_FRACTION, OPT_SEED };
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, 'f'},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"size", required_argument, NULL, OPT_SIZE},
        {"gray", no_argument, NULL, OPT_GRAY},
        {"test-fraction", required_argument, NULL, OPT_FRACTION},
        {"seed", required_argument, NULL, OPT_SEED},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long v;
    memset(a, 0, sizeof *a);
    a->limit = -1;
    a->test_fraction = 0.1f;
    optind = 1; /* argv[0] is "import"; getopt may have run before */
    opterr = 0; /* our own messages, in the ffvae format */
    for (;;) {
        int c = getopt_long(argc, argv, ":o:fh", options, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 'o': a->output = optarg; break;
        case 'f': a->force = 1; break;
        case 'h': fputs(cmd_import_usage, stdout); return -1;
        case OPT_LIMIT:
            if (parse_long(optarg, &v) != 0 || v < 1)
                return usage_error("--limit needs a positive whole number, not '%s'", optarg);
            a->limit = v;
            break;
        case OPT_SIZE:
            if (parse_long(optarg, &v) != 0 || v < 1 || v > 4096)
                return usage_error("--size needs a whole number from 1 to 4096, not '%s'",
                                   optarg);
            a->size = (int)v;
            a->size_set = 1;
            break;
        case OPT_GRAY: a->gray = a->gray_set = 1; break;
        case OPT_FRACTION:
            if (parse_float(optarg, &a->test_fraction) != 0 || a->test_fraction < 0 ||
                a->test_fraction >= 1)
                return usage_error("--test-fraction needs a number in [0, 1), not '%s'",
                                   optarg);
            a->fraction_set = 1;
            break;
        case OPT_SEED:
            if (parse_long(optarg, &v) != 0 || v < 0)
                return usage_error("--seed needs a non-negative whole number, not '%s'", optarg);
            a->seed = (unsigned long long)v;
            a->seed_set = 1;
            break;
        case ':': return option_error("option '%s' needs a value", argv, optind);
        default: return option_error("unknown option '%s'", argv, optind);
        }
    }
    int npos = argc - optind;
    if (npos < 1)
        return usage_error("%s", "what to import? fashion-mnist, mnist or images");
    a->kind = argv[optind];
    a->dir = npos >= 2 ? argv[optind + 1] : NULL;
    if (npos > 2)
        return usage_error("unexpected argument '%s'", argv[optind + 2]);
    int is_images = strcmp(a->kind, "images") == 0;
    if (!is_images && strcmp(a->kind, "mnist") != 0 && strcmp(a->kind, "fashion-mnist") != 0)
        return usage_error("unknown source '%s' (fashion-mnist, mnist or images)", a->kind);
    if (!a->dir && strcmp(a->kind, "fashion-mnist") != 0)
        return usage_error("import %s needs a DIR", a->kind);
    if (!a->dir)
        a->dir = FASHION_MNIST_DIR;
    if (!a->output)
        return usage_error("%s", "-o OUT.h5 is required");
    if (is_images && !a->size_set)
        return usage_error("%s", "import images needs --size S");
    if (!is_images && (a->size_set || a->gray_set || a->fraction_set || a->seed_set))
        return usage_error("--size, --gray, --test-fraction and --seed are for 'import "
                           "images', not '%s'", a->kind);
    return 0;
}

/* DIR/base.gz or DIR/base, whichever exists (the .gz first). */
static int find_idx(char *buf, size_t size, const char *dir, const char *base)
{
    char gz[512];
    snprintf(gz, sizeof gz, "%s.gz", base);
    if (path_join(buf, size, dir, gz) != 0)
        return -1;
    if (path_exists(buf))
        return 0;
    if (path_join(buf, size, dir, base) != 0)
        return -1;
    if (path_exists(buf))
        return 0;
    ffvae_error("%s: missing %s (or %s.gz)", dir, base, base);
    return -1;
}

/* Reads one split from an images IDX file and a labels IDX file. */
static int read_idx_split(Split *s, const char *dir, const char *prefix, long limit)
{
    char images_path[4096], labels_path[4096], base[256];
    IdxArray im = {0}, lb = {0};
    snprintf(base, sizeof base, "%s-images-idx3-ubyte", prefix);
    if (find_idx(images_path, sizeof images_path, dir, base) != 0)
        return -1;
    snprintf(base, sizeof base, "%s-labels-idx1-ubyte", prefix);
    if (find_idx(labels_path, sizeof labels_path, dir, base) != 0)
        return -1;
    if (idx_read(&im, images_path, 3, limit) != 0)
        return -1;
    if (idx_read(&lb, labels_path, 1, limit) != 0) {
        idx_free(&im);
        return -1;
    }
    int rc = -1;
    if (lb.items_in_file != im.items_in_file) {
        ffvae_error("%s: %ld labels for the %ld images in %s", labels_path, lb.items_in_file,
                    im.items_in_file, images_path);
        goto done;
    }
    if (im.dims[0] > INT_MAX) {
        ffvae_error("%s: too many images", images_path);
        goto done;
    }
    s->n = (int)im.dims[0];
    s->h = (int)im.dims[1];
    s->w = (int)im.dims[2];
    s->c = 1;
    s->images = im.data; /* IDX rows x cols is already [N, H, W, 1] */
    im.data = NULL;
    s->labels = checked_malloc((size_t)s->n, sizeof(int32_t), labels_path);
    if (!s->labels)
        goto done;
    for (int i = 0; i < s->n; i++)
        s->labels[i] = lb.data[i];
    rc = 0;
done:
    idx_free(&im);
    idx_free(&lb);
    return rc;
}

static int import_idx(Dataset *d, const ImportArgs *a)
{
    if (read_idx_split(&d->train, a->dir, "train", a->limit) != 0 ||
        read_idx_split(&d->test, a->dir, "t10k", a->limit) != 0)
        return -1;
    if (strcmp(a->kind, "fashion-mnist") == 0) {
        int n = (int)(sizeof fashion_names / sizeof fashion_names[0]);
        d->label_names = checked_calloc((size_t)n, sizeof(char *), "label names");
        if (!d->label_names)
            return -1;
        for (int i = 0; i < n; i++) {
            d->label_names[i] = strdup(fashion_names[i]);
            if (!d->label_names[i])
                return -1;
            d->n_label_names = i + 1;
        }
    }
    return 0;
}

/* The last path component of dir, ignoring trailing slashes. */
static void base_name(char *buf, size_t size, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    snprintf(buf, size, "%.*s", (int)(n - start), dir + start);
}

int cmd_import(int argc, char **argv)
{
    ImportArgs a;
    Dataset d;
    OutputFile check;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    double t0 = now_seconds();

    /* Refuse a bad destination before minutes of work, not after. */
    if (output_begin(&check, a.output, a.force) != 0)
        return 1;
    memset(&d, 0, sizeof d);
    if (strlen(a.dir) >= sizeof d.source) {
        ffvae_error("%s: path too long", a.dir);
        return 1;
    }
    snprintf(d.source, sizeof d.source, "%s", a.dir);
    if (strcmp(a.kind, "images") == 0) {
        ImageImportOptions opt = {a.size, a.gray, a.test_fraction, a.seed, a.limit};
        base_name(d.name, sizeof d.name, a.dir);
        if (import_images(&d, a.dir, &opt) != 0)
            return 1;
    } else {
        snprintf(d.name, sizeof d.name, "%s", a.kind);
        if (import_idx(&d, &a) != 0) {
            dataset_free(&d);
            return 1;
        }
    }
    rc = dataset_write(&d, a.output, a.force);
    if (rc == 0)
        printf("imported %s: %d train + %d test images of %dx%dx%d -> %s (%.1f s)\n", d.name,
               d.train.n, d.test.n, d.train.h, d.train.w, d.train.c, a.output,
               now_seconds() - t0);
    dataset_free(&d);
    return rc == 0 ? 0 : 1;
}
