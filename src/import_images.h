/* import_images.h - builds a Dataset from a folder of PNG/JPEG/BMP/TGA images.
 *
 * Images directly in DIR are unlabelled (-1); images under DIR/<name>/ (at any
 * depth) get the label of <name>, names sorted. Every image is centre-cropped
 * to a square and resized to size x size, RGB or grey. Files are taken in
 * sorted path order, so the result never depends on readdir order, and the
 * train/test split depends only on the seed. */
#ifndef FFVAE_IMPORT_IMAGES_H
#define FFVAE_IMPORT_IMAGES_H

#include "dataset.h"
#include "file_walk.h"

/* The pixel limit when none is given: 50 million pixels, which stb_image
 * decodes in about 200 MB (4 bytes a pixel at most, for 8-bit RGBA) and the
 * resize reads once. Bigger images are refused from their header, before
 * any decoding, so a 1 kB file declaring 60000x60000 costs nothing. */
#define IMAGE_MAX_PIXELS_DEFAULT 50000000LL


typedef struct {
    int size;                /* side of the square output images */
    int gray;                /* 1: one grey channel, 0: RGB */
    float test_fraction;     /* share of images in the test split, in [0, 1) */
    unsigned long long seed; /* picks which images go to the test split */
    long limit;              /* keep at most this many files (sorted order); < 0: all */
    long long max_pixels;    /* refuse images with more pixels; 0: IMAGE_MAX_PIXELS_DEFAULT */
    FileSkips *skips;        /* if not NULL, filled with what was skipped and why */
} ImageImportOptions;


/* Fills d (train, test, label names; name and source are left to the caller).
 * Returns 0, or -1 after reporting an empty folder, an undecodable image
 * (naming the file) or an unreadable directory. */
int import_images(Dataset *d, const char *dir, const ImageImportOptions *opt);

/* Decodes one image file (PNG, JPEG, BMP, TGA), centre-crops it to a square
 * and resizes that to size × size (size 0 keeps the crop's side). channels
 * 0 keeps grey images grey (1) and makes the rest RGB (3); 1 or 3 forces it.
 * *out is malloc'd uint8 [side, side, channels]. Returns 0, or -1 after
 * reporting an unreadable, empty, undecodable or too large file. Images of
 * more than IMAGE_MAX_PIXELS_DEFAULT pixels are refused before decoding. */
int image_load_square(const char *path, int size, int channels, uint8_t **out, int *side,
                      int *channels_out);
/* The same with an explicit pixel limit (0: the default). */
int image_load_square_limited(const char *path, int size, int channels, long long max_pixels,
                              uint8_t **out, int *side, int *channels_out);

/* Refuses (reporting "PATH: image is WxH (N pixels), more than the limit of
 * M pixels") an image whose header declares more than max_pixels pixels, or
 * whose crop or output side squared does; 0 when the work is bounded. */
int image_check_size(const char *path, int w, int h, int out_side, long long max_pixels);

#endif
