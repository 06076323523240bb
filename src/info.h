/* info.h - plain-text summaries of ffvae's files (`ffvae info`): a dataset
 * (name, source, splits, images per label) or a checkpoint (model, decoder,
 * parameters, step, last loss), chosen by the root "format" attribute. */
#ifndef FFVAE_INFO_H
#define FFVAE_INFO_H

#include <stddef.h>
#include <stdio.h>

/* The root "format" attribute of an HDF5 file into format[size]; -1 after
 * saying the file is not an ffvae file. */
int file_format(const char *path, char *format, size_t size);

/* Each writes its summary to out; 0, or -1 after reporting. */
int dataset_info(FILE *out, const char *path);
int checkpoint_info(FILE *out, const char *path);
/* Whichever of the two the file's format calls for. */
int file_info(FILE *out, const char *path);

#endif
