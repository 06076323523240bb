/* image_set.c - loads one split of a dataset or sample file, and writes
 * sample files (image_set.h). Sample files hold no training split, which
 * dataset_load refuses, so this reads the one split it is asked for with
 * h5util directly, with the same checks. */
#include "image_set.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "h5util.h"
#include "util.h"

int image_set_load(ImageSet *s, const char *spec, int limit)
{
    memset(s, 0, sizeof *s);
    snprintf(s->spec, sizeof s->spec, "%s", spec);
    char path[4096];
    const char *split = "test";
    const char *colon = strrchr(spec, ':');
    if (colon && (strcmp(colon + 1, "test") == 0 || strcmp(colon + 1, "train") == 0)) {
        split = colon + 1;
        snprintf(path, sizeof path, "%.*s", (int)(colon - spec), spec);
    } else if (colon && !strchr(colon, '/') && !path_exists(spec)) {
        ffvae_error("%s: unknown split '%s' (expected FILE.h5:test or FILE.h5:train)", spec,
                    colon + 1);
        return -1;
    } else {
        snprintf(path, sizeof path, "%s", spec);
    }
    H5File f;
    if (h5f_open(&f, path) != 0)
        return -1;
    char format[64] = "", obj[64];
    int rc = -1;
    if (!h5_attr_exists(&f, "/", "format") ||
        h5_get_attr_str(&f, "/", "format", format, sizeof format) != 0 ||
        strcmp(format, DATASET_FORMAT) != 0) {
        ffvae_error("%s: not an ffvae dataset or sample file (format '%s', expected '%s')", path,
                    format, DATASET_FORMAT);
        goto done;
    }
    if (h5_get_attr_str(&f, "/", "name", s->name, sizeof s->name) != 0)
        goto done;
    snprintf(obj, sizeof obj, "/%s/images", split);
    if (!h5_exists(&f, obj)) {
        ffvae_error("%s: no %s split (%s)", path, split, obj);
        goto done;
    }
    int rank;
    size_t dims[4];
    if (h5_shape(&f, obj, H5_U8, 4, &rank, dims) != 0)
        goto done;
    if (rank != 4 || dims[1] < 1 || dims[2] < 1 || (dims[3] != 1 && dims[3] != 3) ||
        dims[0] > (size_t)1 << 30 || dims[1] > 1 << 16 || dims[2] > 1 << 16) {
        ffvae_error("%s: %s: expected uint8 [N, H, W, C] with C = 1 or 3", path, obj);
        goto done;
    }
    s->n = (int)dims[0], s->h = (int)dims[1], s->w = (int)dims[2], s->c = (int)dims[3];
    if (s->n < 1) {
        ffvae_error("%s: %s holds no images", path, obj);
        goto done;
    }
    size_t image = (size_t)s->h * s->w * s->c;
    s->images = checked_malloc((size_t)s->n, image, obj);
    if (!s->images || h5_read(&f, obj, H5_U8, 4, dims, s->images) != 0)
        goto done;
    if (limit > 0 && limit < s->n)
        s->n = limit;
    rc = 0;
done:
    h5f_close(&f);
    if (rc != 0)
        image_set_free(s);
    return rc;
}

void image_set_free(ImageSet *s)
{
    free(s->images);
    s->images = NULL;
}

int image_set_write_samples(const char *path, const float *images, int n, int h, int w, int c,
                            const char *name, const char *source)
{
    size_t count = (size_t)n * h * w * c;
    uint8_t *u8 = checked_malloc(count, 1, "sample images");
    int32_t *labels = checked_malloc((size_t)n, sizeof *labels, "sample labels");
    OutputFile out;
    H5File f;
    int rc = -1, opened = 0;
    if (!u8 || !labels || output_begin(&out, path, 1) != 0)
        goto done;
    for (size_t i = 0; i < count; i++) {
        float v = images[i] < 0 ? 0 : images[i] > 1 ? 1 : images[i];
        u8[i] = (uint8_t)lrintf(v * 255.0f);
    }
    for (int i = 0; i < n; i++)
        labels[i] = -1;
    if (h5f_create(&f, out.tmp_path) != 0) {
        output_abort(&out);
        goto done;
    }
    opened = 1;
    size_t dims[4] = {(size_t)n, (size_t)h, (size_t)w, (size_t)c};
    size_t chunk = ((size_t)256 << 10) / ((size_t)h * w * c);
    int bad = h5_set_attr_str(&f, "/", "format", DATASET_FORMAT) ||
              h5_set_attr_i64(&f, "/", "version", DATASET_VERSION) ||
              h5_set_attr_str(&f, "/", "name", name) ||
              h5_set_attr_str(&f, "/", "source", source) ||
              h5_write(&f, "/test/images", H5_U8, 4, dims, u8, chunk ? chunk : 1) ||
              h5_write(&f, "/test/labels", H5_I32, 1, dims, labels, 0);
    opened = 0;
    if (h5f_close(&f) != 0 || bad)
        output_abort(&out);
    else
        rc = output_commit(&out);
done:
    if (opened)
        h5f_close(&f);
    free(u8);
    free(labels);
    return rc;
}

int h5_root_attr(const char *path, const char *attr, char *buf, size_t size)
{
    H5File f;
    if (h5f_open(&f, path) != 0)
        return -1;
    int rc = h5_get_attr_str(&f, "/", attr, buf, size);
    h5f_close(&f);
    return rc;
}
