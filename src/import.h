/* import.h - `ffvae import` as a whole: a dataset file made from MNIST-layout
 * IDX files (import_mnist.h) or from a folder of images (import_images.h). */
#ifndef FFVAE_IMPORT_H
#define FFVAE_IMPORT_H

#include "dataset.h"
#include "import_fonts.h"
#include "import_images.h"

typedef enum { IMPORT_FASHION_MNIST, IMPORT_MNIST, IMPORT_IMAGES, IMPORT_FONTS } ImportSource;

typedef struct {
    ImportSource source;
    const char *dir;            /* the IDX files' or the images' folder (fonts: the first) */
    const char *const *dirs;    /* IMPORT_FONTS: the font folders, n_dirs of them */
    int n_dirs;
    const char *output;         /* the dataset file to write */
    int force;                  /* replace an existing output */
    long limit;                 /* IDX: images per split (< 0: all); images: see below */
    ImageImportOptions images;  /* IMPORT_IMAGES only */
    FontImportOptions fonts;    /* IMPORT_FONTS only */
    FontImportCounts *font_counts; /* IMPORT_FONTS: receives what was kept and dropped */
} ImportRequest;

/* Checks the destination first (so a bad path fails before minutes of work),
 * reads the source into d, names it (the source kind, the folder's last
 * component for images, "glyphs" for fonts), and writes it atomically. On success d holds the
 * dataset for the caller to summarise and free; on failure (reported) d is
 * freed. */
int import_dataset(Dataset *d, const ImportRequest *r);

#endif
