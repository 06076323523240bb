/* cmd_import.c - `ffvae import`: turns Fashion-MNIST / MNIST IDX files or a
 * folder of images into an ffvae dataset file. */
#include "commands.h"
#include "dataset.h"
#include "import.h"
#include "import_mnist.h"
#include "import_summary.h"
#include "options.h"
#include "util.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_import_usage[] =
    "usage: ffvae import fashion-mnist [DIR] -o OUT.h5 [--force] [--limit N]\n"
    "       ffvae import mnist DIR -o OUT.h5 [--force] [--limit N]\n"
    "       ffvae import images DIR -o OUT.h5 --size S [--gray] [--test-fraction F]\n"
    "                           [--seed N] [--force] [--limit N] [--max-pixels N]\n"
    "       ffvae import fonts DIR... -o OUT.h5 [--size S] [--chars SET]\n"
    "                           [--test-fraction F] [--seed N] [--force] [--limit N]\n"
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
    "  fonts          every character of SET from every face of the .ttf, .otf and\n"
    "                 .ttc files under the DIRs, S x S grey (white on black), placed\n"
    "                 by each face's own metrics; split by face; duplicate faces and\n"
    "                 glyphs dropped (README, \"Glyph datasets\")\n"
    "\n"
    "options:\n"
    "  -o, --output FILE      the dataset file to write (required)\n"
    "  -f, --force            replace FILE if it exists\n"
    "      --limit N          keep at most the first N images of each split (for\n"
    "                         images: of the sorted file list, before splitting;\n"
    "                         for fonts: the first N faces kept)\n"
    "      --size S           images: side of the square output images (required);\n"
    "                         fonts: side of the glyph images (64)\n"
    "      --chars SET        fonts: the characters, ranges allowed (A-Za-z0-9)\n"
    "      --gray             images: one grey channel instead of RGB\n"
    "      --test-fraction F  images, fonts: share of images (fonts: of faces) in the\n"
    "                         test split (0.1)\n"
    "      --seed N           images, fonts: seed of the train/test split (0)\n"
    "      --max-pixels N     images: refuse an image whose header declares more\n"
    "                         than N pixels, before decoding it (50000000)\n"
    "\n"
    "The file is written under a temporary name and renamed when complete: a\n"
    "failed import leaves nothing behind. Files an image or font import leaves out\n"
    "(by extension, hidden, dangling links, symlink loops) are counted with the\n"
    "reason, and so are the faces and glyphs a font import drops.\n";

typedef struct {
    const char *kind, *dir, *output, *chars;
    const char *const *dirs; /* fonts: every DIR */
    int n_dirs;
    int force, gray, size;
    long limit;
    long max_pixels;
    double test_fraction;
    uint64_t seed;
    int size_set, gray_set, fraction_set, seed_set, max_pixels_set, chars_set;
} ImportArgs;

/* A usage error of import: the message, then OPTIONS_BAD out of parse_args. */
#define REFUSE(...) return (usage_error("import", __VA_ARGS__), OPTIONS_BAD)

/* Parses argv into a; returns 0, or OPTIONS_HELP / OPTIONS_BAD. */
static int parse_args(int argc, char **argv, ImportArgs *a)
{
    memset(a, 0, sizeof *a);
    a->limit = -1;
    a->test_fraction = 0.1;
    a->chars = FONT_DEFAULT_CHARS;
    const Option opts[] = {
        OPT_TEXT("output", 'o', &a->output),
        OPT_FLAG("force", 'f', &a->force),
        OPT_LONG("limit", &a->limit, 1, MAX_COUNT),
        /* These say whether they were given: each belongs to some sources only. */
        {.name = "size", .kind = OPTION_INT, .value = &a->size, .lo = 1, .hi = MAX_IMAGE_SIZE,
         .given = &a->size_set},
        {.name = "gray", .kind = OPTION_FLAG, .value = &a->gray, .given = &a->gray_set},
        {.name = "test-fraction", .kind = OPTION_NUMBER, .value = &a->test_fraction, .lo = 0,
         .hi = 1, .open = OPEN_HI, .given = &a->fraction_set},
        {.name = "seed", .kind = OPTION_SEED, .value = &a->seed, .given = &a->seed_set},
        {.name = "max-pixels", .kind = OPTION_LONG, .value = &a->max_pixels, .lo = 1,
         .hi = MAX_IMAGE_PIXELS, .given = &a->max_pixels_set},
        {.name = "chars", .kind = OPTION_TEXT, .value = &a->chars, .given = &a->chars_set},
        OPT_END};
    int argi = options_parse("import", cmd_import_usage, opts, argc, argv);
    if (argi < 0)
        return argi;
    int npos = argc - argi;
    if (npos < 1)
        REFUSE("what to import? fashion-mnist, mnist, images or fonts");
    a->kind = argv[argi];
    a->dir = npos >= 2 ? argv[argi + 1] : NULL;
    a->dirs = (const char *const *)argv + argi + 1;
    a->n_dirs = npos - 1;
    int is_images = strcmp(a->kind, "images") == 0, is_fonts = strcmp(a->kind, "fonts") == 0;
    if (npos > 2 && !is_fonts)
        REFUSE("unexpected argument '%s'", argv[argi + 2]);
    if (!is_images && !is_fonts && strcmp(a->kind, "mnist") != 0 &&
        strcmp(a->kind, "fashion-mnist") != 0)
        REFUSE("unknown source '%s' (fashion-mnist, mnist, images or fonts)", a->kind);
    if (!a->dir && strcmp(a->kind, "fashion-mnist") != 0)
        REFUSE("import %s needs a DIR", a->kind);
    if (!a->dir)
        a->dir = FASHION_MNIST_DIR;
    if (!a->output)
        REFUSE("-o OUT.h5 is required");
    if (is_images && !a->size_set)
        REFUSE("import images needs --size S");
    if (is_fonts && (a->gray_set || a->max_pixels_set))
        REFUSE("--gray and --max-pixels are for 'import images', not 'fonts'");
    if (!is_fonts && a->chars_set)
        REFUSE("--chars is for 'import fonts', not '%s'", a->kind);
    if (!is_images && !is_fonts &&
        (a->size_set || a->gray_set || a->fraction_set || a->seed_set || a->max_pixels_set))
        REFUSE("--size, --gray, --test-fraction, --seed and --max-pixels are for 'import "
               "images' (some for 'import fonts'), not '%s'", a->kind);
    if (is_fonts && !a->size_set)
        a->size = FONT_DEFAULT_SIZE;
    return 0;
}

int cmd_import(int argc, char **argv)
{
    ImportArgs a;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return options_exit_status(rc);
    double t0 = now_seconds();
    FileSkips skips;
    FontImportCounts font_counts;
    memset(&skips, 0, sizeof skips);
    ImportRequest r = {
        .source = strcmp(a.kind, "images") == 0  ? IMPORT_IMAGES
                  : strcmp(a.kind, "fonts") == 0 ? IMPORT_FONTS
                  : strcmp(a.kind, "mnist") == 0 ? IMPORT_MNIST
                                                 : IMPORT_FASHION_MNIST,
        .dir = a.dir,
        .dirs = a.dirs,
        .n_dirs = a.n_dirs,
        .output = a.output,
        .force = a.force,
        .limit = a.limit,
        .images = {a.size, a.gray, (float)a.test_fraction, a.seed, a.limit, a.max_pixels,
                   &skips},
        .fonts = {a.size, a.chars, (float)a.test_fraction, a.seed, a.limit},
        .font_counts = &font_counts,
    };
    Dataset d;
    if (import_dataset(&d, &r) != 0)
        return 1;
    print_import_summary(&r, &d, now_seconds() - t0);
    dataset_free(&d);
    return 0;
}
