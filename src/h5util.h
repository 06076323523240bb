/* h5util.h - checked HDF5 wrappers shared by datasets and checkpoints.
 *
 * Every call names the file and the object in its error message
 * ("ffvae: FILE: /train/images: expected uint8 [N, H, W, C], found float32 [3]"),
 * returns -1 on failure, and never lets HDF5 print its own error stack.
 * Object paths are absolute ("/params/enc.W0"); writers create missing
 * intermediate groups. */
#ifndef FFVAE_H5UTIL_H
#define FFVAE_H5UTIL_H

#include <hdf5.h>
#include <stddef.h>

typedef struct {
    hid_t id;
    char path[4096];
    long long size;      /* bytes on disk when opened for reading (bounds what it can hold) */
    int vlen_strings;    /* 1 (the default on open): variable-length strings may be read;
                          * readers of ffvae's version >= 2 files clear it, as those files
                          * hold none and HDF5's global heap is where damaged files crash it */
} H5File;

/* Bounds on what a file may make us allocate, checked from the declared
 * shape and type before anything is read:
 * - a dataset holds at most h5_max_dataset_bytes() bytes (8 GiB by default;
 *   the environment variable FFVAE_MAX_DATASET_BYTES changes it), and no
 *   more than the file could hold: its size on disk, times deflate's best
 *   ratio (1032:1, rounded up to 1100) when the dataset is compressed;
 * - a string is at most H5_MAX_STRING_BYTES long.
 * Datasets larger than H5_SLAB_BYTES are read in slabs of whole rows of
 * about that size, so HDF5's own buffers stay small too. */
#define H5_MAX_DATASET_BYTES_DEFAULT ((size_t)8 << 30)
#define H5_MAX_STRING_BYTES ((size_t)1 << 20)
#define H5_SLAB_BYTES ((size_t)64 << 20)
#define H5_DEFLATE_MAX_RATIO 1100
size_t h5_max_dataset_bytes(void);
/* Sets the limit (0 restores the default or the environment's value). */
void h5_set_max_dataset_bytes(size_t bytes);

/* Element types stored by ffvae. */
typedef enum { H5_U8, H5_I32, H5_I64, H5_U64, H5_F32 } H5Kind;

/* Creates (truncating) a file for writing. The contents are built in memory
 * and written to disk (then fsync'd) by h5f_close, so a failed write is
 * reported by h5f_close and the file on disk is incomplete until then. */
int h5f_create(H5File *f, const char *path);
/* Opens an existing file read-only; a missing file or one that is not HDF5
 * is an error that says so. */
int h5f_open(H5File *f, const char *path);
/* Flushes and closes; returns -1 if the flush or close fails. */
int h5f_close(H5File *f);

/* 1 if the object (group or dataset) exists, 0 if not. */
int h5_exists(H5File *f, const char *obj);

/* Writes a dataset of the given kind and shape. chunk_rows > 0 stores it
 * chunked along the first axis with shuffle + deflate. */
int h5_write(H5File *f, const char *obj, H5Kind kind, int rank, const size_t *dims,
             const void *data, size_t chunk_rows);
/* Reads the rank and dims of a dataset and checks its element kind.
 * dims must hold at least max_rank entries. */
int h5_shape(H5File *f, const char *obj, H5Kind kind, int max_rank, int *rank, size_t *dims);
/* Reads a whole dataset whose kind and shape must match exactly. With data
 * NULL it is read and discarded, slab by slab (checking a file, h5check.h). */
int h5_read(H5File *f, const char *obj, H5Kind kind, int rank, const size_t *dims, void *data);

/* Attributes on an object ("/" for the root). The setters create the
 * object as a group when it is missing and replace an existing attribute.
 * Strings are written fixed-length (UTF-8, NUL-terminated: h5py reads them
 * as bytes); fixed- and, when f->vlen_strings, variable-length ones are read. */
/* 1 if the object exists and has the attribute, 0 if not (no message). */
int h5_attr_exists(H5File *f, const char *obj, const char *name);
int h5_set_attr_str(H5File *f, const char *obj, const char *name, const char *value);
int h5_set_attr_i64(H5File *f, const char *obj, const char *name, long long value);
int h5_get_attr_str(H5File *f, const char *obj, const char *name, char *buf, size_t size);
int h5_get_attr_i64(H5File *f, const char *obj, const char *name, long long *value);

/* A scalar fixed-length string dataset (used for config text). */
int h5_write_text(H5File *f, const char *obj, const char *text);
/* Reads it into a malloc'd string the caller frees; NULL on error. */
char *h5_read_text(H5File *f, const char *obj);

#endif
