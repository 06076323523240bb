/* tensor_table.h - one table of named 2-D tensors laid out in one flat buffer.
 *
 * Parameters, gradients and Adam's m and v share one table's layout, so the
 * optimiser, the checkpoint and the gradient check are flat loops or walks
 * over it; the activation arena is laid out the same way. */
#ifndef FFVAE_TENSOR_TABLE_H
#define FFVAE_TENSOR_TABLE_H

#include <stddef.h>

#define TABLE_MAX_TENSORS 96
#define TENSOR_NAME_MAX 40

typedef struct {
    char name[TENSOR_NAME_MAX];
    int rows, cols;
    size_t offset; /* in floats from the start of the buffer */
} Tensor;

typedef struct {
    Tensor t[TABLE_MAX_TENSORS];
    int n;
    size_t total; /* floats the buffer must hold */
} TensorTable;

void table_init(TensorTable *tab);
/* Appends a [rows, cols] tensor; returns its index, or -1 (reported) when full
 * or the size overflows. Offsets are aligned to 16 floats (64 bytes) so every
 * tensor starts on a cache line and vector loops stay aligned. */
int table_add(TensorTable *tab, const char *name, size_t rows, size_t cols);
/* Index of a tensor by name, or -1. */
int table_find(const TensorTable *tab, const char *name);
static inline size_t tensor_size(const Tensor *t) { return (size_t)t->rows * (size_t)t->cols; }

#endif
