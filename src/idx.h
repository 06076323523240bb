/* idx.h - reads MNIST-style IDX files of unsigned bytes, gzipped or plain.
 *
 * An IDX file is a 4-byte magic (0, 0, type, ndims), ndims big-endian 32-bit
 * sizes, then the data in row-major order. MNIST images are 3-dimensional
 * [N, rows, cols], labels 1-dimensional [N]. */
#ifndef FFVAE_IDX_H
#define FFVAE_IDX_H

#include <stdint.h>

#define IDX_MAX_DIMS 3

typedef struct {
    int ndims;
    long dims[IDX_MAX_DIMS]; /* dims[0] = items kept (after the limit) */
    long items_in_file;      /* dims[0] as declared in the header */
    uint8_t *data;           /* [dims[0] * dims[1] * ...] */
} IdxArray;

/* Reads path, which must hold ndims dimensions, keeping at most limit items
 * (all when limit < 0). Bad magic, an unsupported element type, a wrong number
 * of dimensions, truncated or corrupt data and trailing bytes are errors that
 * name the file. Returns 0 or -1. */
int idx_read(IdxArray *a, const char *path, int ndims, long limit);
void idx_free(IdxArray *a);

#endif
