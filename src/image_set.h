/* image_set.h - a set of images to score: one split of an ffvae dataset
 * file, named on the command line as FILE.h5:test or FILE.h5:train (plain
 * FILE.h5 is its test split). A sample file written by `ffvae sample -o
 * X.h5` is such a file with a test split only: the same root attributes
 * (format = "ffvae-dataset", version, name = the dataset the model was
 * trained on, source), /test/images uint8 [N, H, W, C] and /test/labels
 * int32 [N] (all -1), so `ffvae score` and h5py read it like any dataset. */
#ifndef FFVAE_IMAGE_SET_H
#define FFVAE_IMAGE_SET_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char spec[4200];   /* as given, for messages */
    char name[256];    /* the file's name attribute (the dataset) */
    int n, h, w, c;
    uint8_t *images;   /* [n, h, w, c] */
} ImageSet;

/* Loads the first `limit` images (all when limit <= 0) of FILE[:SPLIT].
 * Checks the format attribute and the images' type and shape, naming the
 * file and object. 0, or -1 after reporting. */
int image_set_load(ImageSet *s, const char *spec, int limit);
void image_set_free(ImageSet *s);

/* Writes float images [n, h, w, c] in [0, 1] (rounded to uint8) as a
 * test-only dataset file, atomically. 0, or -1 after reporting. */
int image_set_write_samples(const char *path, const float *images, int n, int h, int w, int c,
                            const char *name, const char *source);

/* A string attribute of the root group of any HDF5 file (a checkpoint's
 * "dataset", say) into buf[size]. 0, or -1 after reporting. */
int h5_root_attr(const char *path, const char *attr, char *buf, size_t size);

#endif
