/* import.c - reading a source and writing the dataset file (import.h). */
#include "import.h"

#include <stdio.h>
#include <string.h>

#include "import_mnist.h"
#include "util.h"

/* The last path component of dir, ignoring trailing slashes. */
static void base_name(char *buf, size_t size, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t start = n;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    snprintf(buf, size, "%.*s", (int)(n - start), dir + start);
}

int import_dataset(Dataset *d, const ImportRequest *r)
{
    OutputFile check;
    memset(d, 0, sizeof *d);
    if (output_begin(&check, r->output, r->force) != 0)
        return -1;
    if (strlen(r->dir) >= sizeof d->source) {
        ffvae_error("%s: path too long", r->dir);
        return -1;
    }
    snprintf(d->source, sizeof d->source, "%s", r->dir);
    int rc;
    if (r->source == IMPORT_IMAGES) {
        base_name(d->name, sizeof d->name, r->dir);
        rc = import_images(d, r->dir, &r->images);
    } else {
        int fashion = r->source == IMPORT_FASHION_MNIST;
        snprintf(d->name, sizeof d->name, "%s", fashion ? "fashion-mnist" : "mnist");
        rc = import_mnist(d, r->dir, fashion, r->limit);
    }
    if (rc == 0)
        rc = dataset_write(d, r->output, r->force);
    if (rc != 0)
        dataset_free(d);
    return rc;
}
