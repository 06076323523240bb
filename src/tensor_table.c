/* tensor_table.c - laying out named tensors in one flat buffer. */
#include "tensor_table.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

void table_init(TensorTable *tab)
{
    memset(tab, 0, sizeof *tab);
}

int table_add(TensorTable *tab, const char *name, size_t rows, size_t cols)
{
    if (tab->n >= TABLE_MAX_TENSORS) {
        ffvae_error("%s: too many tensors (at most %d)", name, TABLE_MAX_TENSORS);
        return -1;
    }
    if (rows > INT32_MAX || cols > INT32_MAX || (cols && rows > SIZE_MAX / 4 / cols)) {
        ffvae_error("%s: tensor of %zu x %zu is too large", name, rows, cols);
        return -1;
    }
    size_t aligned = (tab->total + 15) & ~(size_t)15;
    size_t size = rows * cols;
    if (aligned > SIZE_MAX / 4 - size) {
        ffvae_error("%s: buffer too large", name);
        return -1;
    }
    Tensor *t = &tab->t[tab->n];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->rows = (int)rows;
    t->cols = (int)cols;
    t->offset = aligned;
    tab->total = aligned + size;
    return tab->n++;
}

int table_find(const TensorTable *tab, const char *name)
{
    for (int i = 0; i < tab->n; i++)
        if (strcmp(tab->t[i].name, name) == 0)
            return i;
    return -1;
}
