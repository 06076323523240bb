/* dataset.c - writes and loads the ffvae dataset file (layout in dataset.h).
 *
 * Writing goes through an OutputFile so a failed import never leaves a
 * partial file; loading checks every attribute, type and shape and refuses a
 * foreign file naming what it lacks. */
#include "dataset.h"
#include "h5check.h"
#include "h5util.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Rows per chunk: about 256 KiB, a good size for shuffle + deflate and small
 * enough that reading a few images decompresses little. */
static size_t chunk_rows_for(size_t row_bytes)
{
    size_t rows = ((size_t)256 << 10) / (row_bytes ? row_bytes : 1);
    return rows ? rows : 1;
}

/* Labels are -1 (unlabelled) or, when names exist, an index into them. */
static int check_labels(const char *path, const char *obj, const Split *s, int n_names)
{
    for (int i = 0; i < s->n; i++) {
        int32_t l = s->labels[i];
        if (l < -1 || (n_names > 0 && l >= n_names)) {
            ffvae_error("%s: %s: label %d at index %d is out of range (%d label names)", path,
                        obj, (int)l, i, n_names);
            return -1;
        }
    }
    return 0;
}

static int check_split(const char *path, const char *name, const Split *s, const Split *ref)
{
    if (s->n < 0 || s->h <= 0 || s->w <= 0 || (s->c != 1 && s->c != 3)) {
        ffvae_error("%s: %s split has a bad shape %d x %dx%dx%d", path, name, s->n, s->h, s->w,
                    s->c);
        return -1;
    }
    if (ref && (s->h != ref->h || s->w != ref->w || s->c != ref->c)) {
        ffvae_error("%s: %s images are %dx%dx%d, train images %dx%dx%d", path, name, s->h, s->w,
                    s->c, ref->h, ref->w, ref->c);
        return -1;
    }
    return 0;
}

static int write_split(H5File *f, const char *name, const Split *s)
{
    char obj[64];
    size_t dims[4] = {(size_t)s->n, (size_t)s->h, (size_t)s->w, (size_t)s->c};
    size_t row_bytes = dims[1] * dims[2] * dims[3];
    snprintf(obj, sizeof obj, "/%s/images", name);
    if (h5_write(f, obj, H5_U8, 4, dims, s->images, chunk_rows_for(row_bytes)) != 0)
        return -1;
    snprintf(obj, sizeof obj, "/%s/labels", name);
    return h5_write(f, obj, H5_I32, 1, dims, s->labels, 0);
}

/* items[n] joined by '\n' into a malloc'd string. */
static char *join_lines(char *const *items, int n, const char *what)
{
    size_t size = 1;
    for (int i = 0; i < n; i++)
        size += strlen(items[i]) + 1;
    char *s = checked_malloc(size, 1, what);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(s, "\n");
        strcat(s, items[i]);
    }
    return s;
}

/* Each of items[n] must be non-empty and hold no newline (they are stored
 * joined by newlines). */
static int check_lines(const char *path, char *const *items, int n, const char *what)
{
    for (int i = 0; i < n; i++)
        if (strchr(items[i], '\n') || items[i][0] == '\0') {
            ffvae_error("%s: %s %d is empty or contains a newline", path, what, i);
            return -1;
        }
    return 0;
}

/* Faces are indices into the dataset's faces; every image has one. */
static int check_faces(const char *path, const char *obj, const Split *s, int n_faces)
{
    for (int i = 0; i < s->n; i++)
        if (s->faces[i] < 0 || s->faces[i] >= n_faces) {
            ffvae_error("%s: %s: face %d at index %d is out of range (%d faces)", path, obj,
                        (int)s->faces[i], i, n_faces);
            return -1;
        }
    return 0;
}

/* /train/faces, /test/faces and the two /faces texts. */
static int write_faces(H5File *f, const Dataset *d)
{
    size_t n_train = (size_t)d->train.n, n_test = (size_t)d->test.n;
    char *names = join_lines(d->face_names, d->n_faces, "face names");
    char *files = join_lines(d->face_files, d->n_faces, "face files");
    int rc = names && files ? 0 : -1;
    rc = rc ? rc : h5_write(f, "/train/faces", H5_I32, 1, &n_train, d->train.faces, 0);
    rc = rc ? rc : h5_write(f, "/test/faces", H5_I32, 1, &n_test, d->test.faces, 0);
    rc = rc ? rc : h5_write_text(f, "/faces/names", names);
    rc = rc ? rc : h5_write_text(f, "/faces/files", files);
    free(names);
    free(files);
    return rc;
}

int dataset_write(const Dataset *d, const char *path, int overwrite)
{
    OutputFile out;
    H5File f = {.id = -1};
    char *names = NULL;

    if (check_split(path, "train", &d->train, NULL) != 0 ||
        check_split(path, "test", &d->test, &d->train) != 0 ||
        check_labels(path, "/train/labels", &d->train, d->n_label_names) != 0 ||
        check_labels(path, "/test/labels", &d->test, d->n_label_names) != 0)
        return -1;
    if (d->train.n == 0) {
        ffvae_error("%s: no training images to write", path);
        return -1;
    }
    if (check_lines(path, d->label_names, d->n_label_names, "label name") != 0)
        return -1;
    if (d->n_faces > 0 &&
        (check_lines(path, d->face_names, d->n_faces, "face name") != 0 ||
         check_lines(path, d->face_files, d->n_faces, "face file") != 0 ||
         check_faces(path, "/train/faces", &d->train, d->n_faces) != 0 ||
         check_faces(path, "/test/faces", &d->test, d->n_faces) != 0))
        return -1;
    if (output_begin(&out, path, overwrite) != 0)
        return -1;
    if (h5f_create(&f, out.tmp_path) != 0)
        goto fail;
    if (h5_set_attr_str(&f, "/", "format", DATASET_FORMAT) != 0 ||
        h5_set_attr_i64(&f, "/", "version", DATASET_VERSION) != 0 ||
        h5_set_attr_str(&f, "/", "name", d->name) != 0 ||
        h5_set_attr_str(&f, "/", "source", d->source) != 0)
        goto fail;
    if (write_split(&f, "train", &d->train) != 0 || write_split(&f, "test", &d->test) != 0)
        goto fail;
    if (d->n_label_names > 0) {
        names = join_lines(d->label_names, d->n_label_names, "label names");
        if (!names || h5_set_attr_str(&f, "/labels", "names", names) != 0)
            goto fail;
    }
    if (d->n_faces > 0 && write_faces(&f, d) != 0)
        goto fail;
    if (h5f_close(&f) != 0)
        goto fail;
    free(names);
    return output_commit(&out);
fail:
    free(names);
    h5f_close(&f);
    output_abort(&out);
    return -1;
}

/* Reads one split; ref (the train split) fixes H, W, C for the test split. */
static int load_split(H5File *f, const char *name, Split *s, const Split *ref)
{
    char images[64], labels[64];
    size_t dims[4], ldims[1];
    int rank;
    snprintf(images, sizeof images, "/%s/images", name);
    snprintf(labels, sizeof labels, "/%s/labels", name);

    if (h5_shape(f, images, H5_U8, 4, &rank, dims) != 0)
        return -1;
    if (rank != 4) {
        ffvae_error("%s: %s: expected uint8 [N, H, W, C], found rank %d", f->path, images, rank);
        return -1;
    }
    if (dims[3] != 1 && dims[3] != 3) {
        ffvae_error("%s: %s: expected 1 or 3 channels, found %zu", f->path, images, dims[3]);
        return -1;
    }
    if (dims[0] > INT_MAX || dims[1] == 0 || dims[2] == 0 || dims[1] > 65536 ||
        dims[2] > 65536) {
        ffvae_error("%s: %s: implausible shape [%zu, %zu, %zu, %zu]", f->path, images, dims[0],
                    dims[1], dims[2], dims[3]);
        return -1;
    }
    if (ref && (dims[1] != (size_t)ref->h || dims[2] != (size_t)ref->w ||
                dims[3] != (size_t)ref->c)) {
        ffvae_error("%s: %s: expected uint8 [M, %d, %d, %d] like /train/images, found "
                    "[%zu, %zu, %zu, %zu]", f->path, images, ref->h, ref->w, ref->c, dims[0],
                    dims[1], dims[2], dims[3]);
        return -1;
    }
    if (h5_shape(f, labels, H5_I32, 1, &rank, ldims) != 0)
        return -1;
    if (rank != 1 || ldims[0] != dims[0]) {
        char found[64] = "a scalar";
        if (rank == 1)
            snprintf(found, sizeof found, "int32 [%zu]", ldims[0]);
        ffvae_error("%s: %s: expected int32 [%zu] to match %s, found %s", f->path, labels,
                    dims[0], images, found);
        return -1;
    }
    s->n = (int)dims[0];
    s->h = (int)dims[1];
    s->w = (int)dims[2];
    s->c = (int)dims[3];
    /* Checking the file in a child, the images are read but not kept. */
    int keep = !h5check_in_child();
    s->images = keep ? checked_malloc(dims[0], dims[1] * dims[2] * dims[3], images) : NULL;
    s->labels = checked_malloc(dims[0], sizeof(int32_t), labels);
    if ((keep && !s->images) || !s->labels)
        return -1;
    if (h5_read(f, images, H5_U8, 4, dims, s->images) != 0 ||
        h5_read(f, labels, H5_I32, 1, dims, s->labels) != 0)
        return -1;
    return 0;
}

/* Splits "a\nb\nc" into a malloc'd *items[*n] (*n counts what was made, so
 * a failure part-way can be freed). */
static int split_lines(const char *joined, char ***items, int *n, const char *what)
{
    int lines = 1;
    for (const char *p = joined; *p; p++)
        lines += *p == '\n';
    *n = 0;
    *items = checked_calloc((size_t)lines, sizeof(char *), what);
    if (!*items)
        return -1;
    const char *p = joined;
    for (int i = 0; i < lines; i++) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        (*items)[i] = checked_malloc(len + 1, 1, what);
        if (!(*items)[i])
            return -1;
        memcpy((*items)[i], p, len);
        (*items)[i][len] = '\0';
        *n = i + 1;
        p += len + (end != NULL);
    }
    return 0;
}

/* One split's faces: int32 [n] like its labels. */
static int load_split_faces(H5File *f, const char *obj, Split *s)
{
    size_t dims[1];
    int rank;
    if (h5_shape(f, obj, H5_I32, 1, &rank, dims) != 0)
        return -1;
    if (rank != 1 || dims[0] != (size_t)s->n) {
        ffvae_error("%s: %s: expected int32 [%d], one face per image", f->path, obj, s->n);
        return -1;
    }
    s->faces = checked_malloc(dims[0] ? dims[0] : 1, sizeof(int32_t), obj);
    return s->faces ? h5_read(f, obj, H5_I32, 1, dims, s->faces) : -1;
}

/* The faces, when the file records them: both texts, the same number of
 * lines, and every image's face in range. */
static int load_faces(H5File *f, Dataset *d)
{
    char *names = h5_read_text(f, "/faces/names"), *files = NULL;
    int rc = names ? 0 : -1, n_files = 0;
    if (rc == 0)
        rc = (files = h5_read_text(f, "/faces/files")) ? 0 : -1;
    rc = rc ? rc : split_lines(names, &d->face_names, &d->n_faces, "face names");
    rc = rc ? rc : split_lines(files, &d->face_files, &n_files, "face files");
    free(names);
    free(files);
    if (rc == 0 && n_files != d->n_faces) {
        ffvae_error("%s: /faces: %d names but %d files", f->path, d->n_faces, n_files);
        rc = -1;
    }
    rc = rc ? rc : load_split_faces(f, "/train/faces", &d->train);
    rc = rc ? rc : load_split_faces(f, "/test/faces", &d->test);
    rc = rc ? rc : check_faces(f->path, "/train/faces", &d->train, d->n_faces);
    rc = rc ? rc : check_faces(f->path, "/test/faces", &d->test, d->n_faces);
    /* On failure the two lists may hold different counts (a damaged file's
     * names and files disagree): free each by its own count here, rather
     * than leave dataset_free to walk both by n_faces. */
    if (rc != 0) {
        for (int i = 0; i < d->n_faces; i++)
            free(d->face_names[i]);
        for (int i = 0; i < n_files; i++)
            free(d->face_files[i]);
        free(d->face_names);
        free(d->face_files);
        d->face_names = d->face_files = NULL;
        d->n_faces = 0;
    }
    return rc;
}

static int load_dataset(Dataset *d, const char *path);

/* The child's run of the loader (h5check.h): load, then drop it. */
static int check_dataset(const char *path, void *arg)
{
    (void)arg;
    Dataset d;
    int rc = load_dataset(&d, path);
    if (rc == 0)
        dataset_free(&d);
    return rc;
}

int dataset_load(Dataset *d, const char *path)
{
    memset(d, 0, sizeof *d);
    if (h5check_run(path, check_dataset, NULL) != 0)
        return -1;
    return load_dataset(d, path);
}

static int load_dataset(Dataset *d, const char *path)
{
    H5File f;
    char format[256], names[1 << 16];
    long long version = 0;
    memset(d, 0, sizeof *d);
    if (h5f_open(&f, path) != 0)
        return -1;
    if (!h5_attr_exists(&f, "/", "format")) {
        ffvae_error("%s: not an ffvae dataset (no 'format' attribute on /)", path);
        goto fail;
    }
    /* The version (an integer) first: it says whether strings may be
     * variable-length, which only version 1 wrote. */
    int has_version = h5_attr_exists(&f, "/", "version");
    if (has_version && h5_get_attr_i64(&f, "/", "version", &version) != 0)
        goto fail;
    f.vlen_strings = !has_version || version == 1;
    if (h5_get_attr_str(&f, "/", "format", format, sizeof format) != 0)
        goto fail;
    if (strcmp(format, DATASET_FORMAT) != 0) {
        ffvae_error("%s: not an ffvae dataset (format is '%s', expected '%s')", path, format,
                    DATASET_FORMAT);
        goto fail;
    }
    if (!has_version) {
        ffvae_error("%s: not an ffvae dataset (no 'version' attribute on /)", path);
        goto fail;
    }
    if (version < 1 || version > DATASET_VERSION) {
        ffvae_error("%s: dataset version %lld is not supported (this ffvae reads versions 1 "
                    "to %d)", path, version, DATASET_VERSION);
        goto fail;
    }
    d->version = (int)version;
    if (h5_get_attr_str(&f, "/", "name", d->name, sizeof d->name) != 0 ||
        h5_get_attr_str(&f, "/", "source", d->source, sizeof d->source) != 0)
        goto fail;
    if (load_split(&f, "train", &d->train, NULL) != 0 ||
        load_split(&f, "test", &d->test, &d->train) != 0)
        goto fail;
    if (d->train.n == 0) {
        ffvae_error("%s: /train/images: no training images", path);
        goto fail;
    }
    if (h5_exists(&f, "/labels")) {
        if (h5_get_attr_str(&f, "/labels", "names", names, sizeof names) != 0 ||
            split_lines(names, &d->label_names, &d->n_label_names, "label names") != 0)
            goto fail;
    }
    if (h5_exists(&f, "/faces") && load_faces(&f, d) != 0)
        goto fail;
    if (check_labels(path, "/train/labels", &d->train, d->n_label_names) != 0 ||
        check_labels(path, "/test/labels", &d->test, d->n_label_names) != 0)
        goto fail;
    h5f_close(&f);
    return 0;
fail:
    h5f_close(&f);
    dataset_free(d);
    return -1;
}

void dataset_free(Dataset *d)
{
    free(d->train.images);
    free(d->train.labels);
    free(d->test.images);
    free(d->test.labels);
    for (int i = 0; i < d->n_label_names; i++)
        free(d->label_names[i]);
    free(d->label_names);
    for (int i = 0; i < d->n_faces; i++) {
        free(d->face_names ? d->face_names[i] : NULL);
        free(d->face_files ? d->face_files[i] : NULL);
    }
    free(d->face_names);
    free(d->face_files);
    free(d->train.faces);
    free(d->test.faces);
    d->face_names = d->face_files = NULL;
    d->train.faces = d->test.faces = NULL;
    d->n_faces = 0;
    d->train.images = d->test.images = NULL;
    d->train.labels = d->test.labels = NULL;
    d->label_names = NULL;
    d->n_label_names = 0;
}

int split_check_geometry(const Split *s, int H, int W, int C, const char *model,
                         const char *data)
{
    if (s->h == H && s->w == W && s->c == C)
        return 0;
    ffvae_error("%s: model expects %dx%dx%d images, but %s holds %dx%dx%d", model, H, W, C, data,
                s->h, s->w, s->c);
    return -1;
}
