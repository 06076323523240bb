/* import_mnist.c - MNIST-layout IDX files into a Dataset (import_mnist.h). */
#include "import_mnist.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idx.h"
#include "util.h"

/* Fashion-MNIST's ten classes, in label order (Xiao et al. 2017). */
static const char *const fashion_names[] = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                            "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                            "Bag",         "Ankle boot"};

/* DIR/base.gz or DIR/base, whichever exists (the .gz first). */
static int find_idx(char *buf, size_t size, const char *dir, const char *base)
{
    char gz[512];
    snprintf(gz, sizeof gz, "%s.gz", base);
    if (path_join(buf, size, dir, gz) != 0)
        return -1;
    if (path_exists(buf))
        return 0;
    if (path_join(buf, size, dir, base) != 0)
        return -1;
    if (path_exists(buf))
        return 0;
    ffvae_error("%s: missing %s (or %s.gz)", dir, base, base);
    return -1;
}

/* Reads one split from an images IDX file and a labels IDX file. */
static int read_idx_split(Split *s, const char *dir, const char *prefix, long limit)
{
    char images_path[4096], labels_path[4096], base[256];
    IdxArray im = {0}, lb = {0};
    snprintf(base, sizeof base, "%s-images-idx3-ubyte", prefix);
    if (find_idx(images_path, sizeof images_path, dir, base) != 0)
        return -1;
    snprintf(base, sizeof base, "%s-labels-idx1-ubyte", prefix);
    if (find_idx(labels_path, sizeof labels_path, dir, base) != 0)
        return -1;
    if (idx_read(&im, images_path, 3, limit) != 0)
        return -1;
    if (idx_read(&lb, labels_path, 1, limit) != 0) {
        idx_free(&im);
        return -1;
    }
    int rc = -1;
    if (lb.items_in_file != im.items_in_file) {
        ffvae_error("%s: %ld labels for the %ld images in %s", labels_path, lb.items_in_file,
                    im.items_in_file, images_path);
        goto done;
    }
    if (im.dims[0] > INT_MAX) {
        ffvae_error("%s: too many images", images_path);
        goto done;
    }
    s->n = (int)im.dims[0];
    s->h = (int)im.dims[1];
    s->w = (int)im.dims[2];
    s->c = 1;
    s->images = im.data; /* IDX rows x cols is already [N, H, W, 1] */
    im.data = NULL;
    s->labels = checked_malloc((size_t)s->n, sizeof(int32_t), labels_path);
    if (!s->labels)
        goto done;
    for (int i = 0; i < s->n; i++)
        s->labels[i] = lb.data[i];
    rc = 0;
done:
    idx_free(&im);
    idx_free(&lb);
    return rc;
}

int import_mnist(Dataset *d, const char *dir, int fashion, long limit)
{
    if (read_idx_split(&d->train, dir, "train", limit) != 0 ||
        read_idx_split(&d->test, dir, "t10k", limit) != 0)
        return -1;
    if (fashion) {
        int n = (int)(sizeof fashion_names / sizeof fashion_names[0]);
        d->label_names = checked_calloc((size_t)n, sizeof(char *), "label names");
        if (!d->label_names)
            return -1;
        for (int i = 0; i < n; i++) {
            d->label_names[i] = strdup(fashion_names[i]);
            if (!d->label_names[i])
                return -1;
            d->n_label_names = i + 1;
        }
    }
    return 0;
}
