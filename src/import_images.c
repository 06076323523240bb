/* import_images.c - a folder of images to a Dataset (see import_images.h):
 * list the files, decode with stb_image, centre-crop, resize, split. */
#include "import_images.h"
#include "file_walk.h"
#include "image_check.h"
#include "rng.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <stb_image.h>
#include <stb_image_resize.h>

#define SPLIT_STREAM 11 /* the generator stream that picks the test images */

static int is_image_name(const char *name)
{
    static const char *const exts[] = {".png", ".jpg", ".jpeg", ".bmp", ".tga"};
    return has_extension(name, exts, (int)(sizeof exts / sizeof exts[0]));
}

/* Lists DIR's images: unlabelled ones directly in it, or labelled ones in its
 * immediate subfolders (a label per subfolder that holds images). */
static int list_images(FileList *l, const char *dir, Dataset *d, FileSkips *skips)
{
    long subdirs = 0;
    FileSkips top = {0}; /* the top level's skips count only when it is the layout used */
    if (file_list_collect(l, dir, -1, 0, is_image_name, &subdirs, &top) != 0)
        return -1;
    if (skips && (subdirs == 0 || l->n > 0))
        *skips = top;
    if (subdirs == 0 || l->n > 0) {
        if (l->n > 0 && subdirs > 0) {
            /* Mixing both layouts would silently drop either the labels or
             * the loose files; say so instead. */
            long loose = l->n;
            FileList sub = {0};
            int rc = file_list_collect(&sub, dir, -1, 1, is_image_name, NULL, NULL);
            long in_sub = sub.n - loose;
            file_list_free(&sub);
            if (rc != 0)
                return -1;
            if (in_sub > 0) {
                ffvae_error("%s: holds both image files and subfolders of images; put every "
                            "image in a label subfolder, or none", dir);
                return -1;
            }
        }
        return 0;
    }
    char **names;
    long n;
    char path[4096];
    if (skips)
        *skips = top; /* files beside the label folders are not images of any label */
    if (dir_names(dir, &names, &n, NULL) != 0)
        return -1;
    int rc = 0;
    d->label_names = checked_calloc((size_t)n, sizeof(char *), "label names");
    if (!d->label_names)
        rc = -1;
    for (long i = 0; i < n && rc == 0; i++) {
        struct stat st;
        if (path_join(path, sizeof path, dir, names[i]) != 0) {
            rc = -1;
            break;
        }
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        long before = l->n;
        rc = file_list_collect(l, path, d->n_label_names, 1, is_image_name, NULL, skips);
        if (rc == 0 && l->n > before) {
            if (strchr(names[i], '\n')) {
                ffvae_error("%s: folder name contains a newline", path);
                rc = -1;
                break;
            }
            d->label_names[d->n_label_names++] = names[i];
            names[i] = NULL; /* now owned by d */
        }
    }
    dir_names_free(names, n);
    return rc;
}

/* Writes the centred square crop of img [h, w, channels], resized, to out
 * [size, size, channels]. */
static int crop_resize(uint8_t *out, const unsigned char *img, int w, int h, int channels,
                       int size, const char *path)
{
    int side = w < h ? w : h;
    int x0 = (w - side) / 2, y0 = (h - side) / 2;
    const unsigned char *crop = img + ((size_t)y0 * (size_t)w + (size_t)x0) * (size_t)channels;
    if (!stbir_resize_uint8(crop, side, side, w * channels, out, size, size, 0, channels)) {
        ffvae_error("%s: cannot resize image from %dx%d to %dx%d", path, side, side, size, size);
        return -1;
    }
    return 0;
}

int image_check_size(const char *path, int w, int h, int out_side, long long max_pixels)
{
    long long max = max_pixels > 0 ? max_pixels : IMAGE_MAX_PIXELS_DEFAULT;
    long long pixels = (long long)w * (long long)h;
    long long side = w < h ? w : h;
    if (w <= 0 || h <= 0) {
        ffvae_error("%s: image header declares %dx%d pixels", path, w, h);
        return -1;
    }
    if (pixels > max) {
        ffvae_error("%s: image is %dx%d (%lld pixels), more than the limit of %lld pixels "
                    "(--max-pixels)", path, w, h, pixels, max);
        return -1;
    }
    /* The resize reads the crop once and writes the output once per channel,
     * so bounding both by the same limit bounds its work. */
    if ((long long)out_side * out_side > max) {
        ffvae_error("%s: resizing the %lldx%lld crop to %dx%d exceeds the limit of %lld pixels "
                    "(--max-pixels)", path, side, side, out_side, out_side, max);
        return -1;
    }
    return 0;
}

/* The header's size and channel count, refused when it exceeds the limit
 * (before anything is decoded). out_side 0 means the crop's own side. */
static int read_header(const char *path, int out_side, long long max_pixels, int *w, int *h,
                       int *comp)
{
    /* Before stb_image reads anything: its header reader already parses a
     * JPEG's Huffman tables, a PNM's numbers and a PNG's chunks. */
    if (image_check_file(path) != 0)
        return -1;
    if (!stbi_info(path, w, h, comp)) {
        ffvae_error("%s: cannot read image: %s", path,
                    path_exists(path) ? stbi_failure_reason() : "no such file");
        return -1;
    }
    if (out_side == 0)
        out_side = *w < *h ? *w : *h;
    return image_check_size(path, *w, *h, out_side, max_pixels);
}

/* Debian 12's stb_image converts a 16-bit PNM's channels as if its samples
 * were 8-bit and then reads twice the converted buffer (a heap overflow
 * found by tests/fuzz/fuzz_image: tests/fixtures/hostile/pnm16-convert.pgm).
 * Such a file is decoded in its own channels and converted here, as stb
 * converts 8-bit images (its luma weights 77, 150, 29 over 256). */
static int is_16_bit_pnm(const char *path)
{
    unsigned char magic[2] = {0, 0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t got = fread(magic, 1, 2, f);
    fclose(f);
    return got == 2 && magic[0] == 'P' && (magic[1] == '5' || magic[1] == '6') &&
           stbi_is_16_bit(path);
}

/* The decoded pixels in the given channels (1 or 3), or NULL with the error
 * printed. Freed with stbi_image_free, which is free(). */
static unsigned char *decode_image(const char *path, int *w, int *h, int channels)
{
    int comp;
    int pnm16 = is_16_bit_pnm(path);
    unsigned char *img = stbi_load(path, w, h, &comp, pnm16 ? 0 : channels);
    if (!img) {
        ffvae_error("%s: cannot decode image: %s", path, stbi_failure_reason());
        return NULL;
    }
    if (!pnm16 || comp == channels)
        return img;
    unsigned char *out = NULL;
    if (comp != 1 && comp != 3) /* stb's PNM reader gives grey or RGB only */
        ffvae_error("%s: a 16-bit PNM with %d channels", path, comp);
    else
        out = checked_malloc((size_t)*w * (size_t)*h, (size_t)channels, "image");
    for (size_t i = 0; out && i < (size_t)*w * (size_t)*h; i++) {
        const unsigned char *p = img + i * (size_t)comp;
        if (channels == 3)
            out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = p[0];
        else
            out[i] = (unsigned char)((p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8);
    }
    stbi_image_free(img);
    return out;
}

/* Decodes one image whose header fits the limit and writes its centred square
 * crop, resized, to out [size, size, channels]. */
static int load_image(uint8_t *out, const char *path, int size, int channels,
                      long long max_pixels)
{
    int w, h, comp, hw, hh;
    if (read_header(path, size, max_pixels, &hw, &hh, &comp) != 0)
        return -1;
    unsigned char *img = decode_image(path, &w, &h, channels);
    if (!img)
        return -1;
    int rc = 0;
    if (w != hw || h != hh) { /* the file changed under us, or a decoder disagrees */
        ffvae_error("%s: image decodes as %dx%d, its header said %dx%d", path, w, h, hw, hh);
        rc = -1;
    }
    if (rc == 0)
        rc = crop_resize(out, img, w, h, channels, size, path);
    stbi_image_free(img);
    return rc;
}

int image_load_square(const char *path, int size, int channels, uint8_t **out, int *side,
                      int *channels_out)
{
    return image_load_square_limited(path, size, channels, 0, out, side, channels_out);
}

int image_load_square_limited(const char *path, int size, int channels, long long max_pixels,
                              uint8_t **out, int *side, int *channels_out)
{
    int w, h, comp, hw, hh;
    *out = NULL;
    if (size < 0 || size > 4096) {
        ffvae_error("%s: image size %d is out of range (1..4096)", path, size);
        return -1;
    }
    if (read_header(path, size, max_pixels, &hw, &hh, &comp) != 0)
        return -1;
    int C = channels ? channels : (comp <= 2 ? 1 : 3); /* grey (+alpha) stays grey */
    int S = size ? size : (hw < hh ? hw : hh);
    if (S > 4096) {
        ffvae_error("%s: a %dx%d crop is larger than 4096; give a smaller --size", path, S, S);
        return -1;
    }
    unsigned char *img = decode_image(path, &w, &h, C);
    if (!img)
        return -1;
    if (w != hw || h != hh) {
        ffvae_error("%s: image decodes as %dx%d, its header said %dx%d", path, w, h, hw, hh);
        stbi_image_free(img);
        return -1;
    }
    *out = checked_malloc((size_t)S * (size_t)S, (size_t)C, "image");
    int rc = *out ? crop_resize(*out, img, w, h, C, S, path) : -1;
    stbi_image_free(img);
    if (rc != 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    *side = S;
    *channels_out = C;
    return 0;
}

static int alloc_split(Split *s, int n, int size, int channels)
{
    s->n = n;
    s->h = s->w = size;
    s->c = channels;
    s->images = checked_malloc((size_t)n, (size_t)size * (size_t)size * (size_t)channels,
                               "images");
    s->labels = checked_malloc((size_t)n, sizeof(int32_t), "labels");
    return s->images && s->labels ? 0 : -1;
}

int import_images(Dataset *d, const char *dir, const ImageImportOptions *opt)
{
    FileList l = {0};
    int32_t *order = NULL;
    uint8_t *is_test = NULL;
    int channels = opt->gray ? 1 : 3;
    struct stat st;

    if (opt->size < 1 || opt->size > 4096) {
        ffvae_error("%s: image size %d is out of range (1..4096)", dir, opt->size);
        return -1;
    }
    if (!(opt->test_fraction >= 0.0f && opt->test_fraction < 1.0f)) {
        ffvae_error("%s: test fraction %g is not in [0, 1)", dir, (double)opt->test_fraction);
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ffvae_error("%s: not a directory", dir);
        return -1;
    }
    if (opt->skips)
        memset(opt->skips, 0, sizeof *opt->skips);
    if (list_images(&l, dir, d, opt->skips) != 0)
        goto fail;
    if (l.n == 0) {
        ffvae_error("%s: no images found (looked for .png, .jpg, .jpeg, .bmp, .tga)", dir);
        goto fail;
    }
    long kept = opt->limit >= 0 && opt->limit < l.n ? opt->limit : l.n;
    if (kept > 0x7fffffffL) {
        ffvae_error("%s: too many images", dir);
        goto fail;
    }
    int n = (int)kept;
    int n_test = (int)floor((double)opt->test_fraction * n + 0.5);
    if (n == 0 || n_test >= n) {
        ffvae_error("%s: test fraction %g of %d images leaves none for training", dir,
                    (double)opt->test_fraction, n);
        goto fail;
    }

    /* The first n_test of a seeded shuffle go to the test split; each split
     * then keeps the files' sorted order. */
    order = checked_malloc((size_t)n, sizeof *order, "image order");
    is_test = checked_calloc((size_t)n, 1, "split flags");
    if (!order || !is_test)
        goto fail;
    for (int i = 0; i < n; i++)
        order[i] = i;
    Rng rng;
    rng_seed(&rng, opt->seed, SPLIT_STREAM);
    rng_shuffle(&rng, order, n);
    for (int i = 0; i < n_test; i++)
        is_test[order[i]] = 1;

    if (alloc_split(&d->train, n - n_test, opt->size, channels) != 0 ||
        alloc_split(&d->test, n_test, opt->size, channels) != 0)
        goto fail;
    size_t image_bytes = (size_t)opt->size * (size_t)opt->size * (size_t)channels;
    int i_train = 0, i_test = 0;
    for (int i = 0; i < n; i++) {
        Split *s = is_test[i] ? &d->test : &d->train;
        int k = is_test[i] ? i_test++ : i_train++;
        if (load_image(s->images + (size_t)k * image_bytes, l.files[i].path, opt->size,
                       channels, opt->max_pixels) != 0)
            goto fail;
        s->labels[k] = l.files[i].label;
    }
    free(order);
    free(is_test);
    file_list_free(&l);
    return 0;
fail:
    free(order);
    free(is_test);
    file_list_free(&l);
    dataset_free(d);
    return -1;
}
