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
    size_t len = 0;
    for (int i = 0; i < (r->source == IMPORT_FONTS ? r->n_dirs : 1); i++) {
        const char *dir = r->source == IMPORT_FONTS ? r->dirs[i] : r->dir;
        int n = snprintf(d->source + len, sizeof d->source - len, "%s%s", i ? " " : "", dir);
        if (n < 0 || (size_t)n >= sizeof d->source - len) {
            ffvae_error("%s: source path too long to record (at most %zu bytes)", dir,
                        sizeof d->source - 1);
            return -1;
        }
        len += (size_t)n;
    }
    int rc;
    if (r->source == IMPORT_FONTS) {
        snprintf(d->name, sizeof d->name, "glyphs");
        rc = import_fonts(d, r->dirs, r->n_dirs, &r->fonts, r->font_counts);
    } else if (r->source == IMPORT_IMAGES) {
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
