/* dataset.h - the ffvae dataset file (README.md, "Dataset file"):
 *   /             attrs format="ffvae-dataset", version=2, name, source
 *                 (strings fixed-length; version 1 files, read too, hold
 *                 variable-length ones)
 *   /train/images uint8 [N, H, W, C] chunked, shuffle + deflate
 *   /train/labels int32 [N]
 *   /test/images  uint8 [M, H, W, C]
 *   /test/labels  int32 [M]
 *   /labels       attr "names": label names joined by '\n' (absent when unnamed)
 * and, in datasets made of several sources (fonts: one face per source),
 *   /train/faces  int32 [N]  the face of each image, an index into /faces
 *   /test/faces   int32 [M]
 *   /faces/names  text: "family style" per face, joined by '\n'
 *   /faces/files  text: the file each face came from, joined by '\n' */
#ifndef FFVAE_DATASET_H
#define FFVAE_DATASET_H

#include <stdint.h>

#define DATASET_FORMAT "ffvae-dataset"
#define DATASET_VERSION 2 /* 2: fixed-length strings; 1: variable-length */

typedef struct {
    int n;            /* number of images */
    int h, w, c;      /* height, width, channels (1 grey, 3 RGB) */
    uint8_t *images;  /* [n, h, w, c] */
    int32_t *labels;  /* [n], -1 when unlabelled */
    int32_t *faces;   /* [n] index into the dataset's faces, or NULL without faces */
} Split;

typedef struct {
    int version;      /* of the file it was loaded from (DATASET_VERSION when made) */
    char name[256];
    char source[1024];
    Split train, test;
    int n_label_names;
    char **label_names; /* [n_label_names], index = label */
    int n_faces;        /* 0: the dataset records no faces */
    char **face_names;  /* [n_faces] "family style" */
    char **face_files;  /* [n_faces] the source file of each face */
} Dataset;

/* Writes atomically (temporary file + rename); refuses an existing path unless overwrite. */
int dataset_write(const Dataset *d, const char *path, int overwrite);
/* Reads and checks every attribute, shape and type; a foreign file is refused
 * with a message naming what is missing. */
int dataset_load(Dataset *d, const char *path);
void dataset_free(Dataset *d);

/* Refuses a split whose images are not H×W×C, as "MODEL: model expects
 * HxWxC images, but DATA holds hxwxc" (the one place this is checked). */
int split_check_geometry(const Split *s, int H, int W, int C, const char *model,
                         const char *data);

#endif
