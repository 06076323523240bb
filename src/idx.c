/* idx.c - reads MNIST-style IDX files; zlib's gz reader handles both gzipped
 * and plain files, so one code path serves both. */
#include "idx.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define IDX_UBYTE 0x08

/* Reads exactly n bytes; returns the count read, or -1 on a zlib error. */
static long gz_read_all(gzFile g, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t want = n - done;
        if (want > ((size_t)1 << 30))
            want = (size_t)1 << 30; /* gzread takes an unsigned int */
        int got = gzread(g, (char *)buf + done, (unsigned)want);
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        done += (size_t)got;
    }
    return (long)done;
}

/* The zlib error text when the stream is broken, else "". zlib prefixes
 * it with the path, which our messages already start with. */
static const char *gz_problem(gzFile g, const char *path)
{
    int err = Z_OK;
    const char *msg = gzerror(g, &err);
    if (err == Z_OK || err == Z_STREAM_END)
        return "";
    size_t n = strlen(path);
    if (strncmp(msg, path, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
        msg += n + 2;
    return msg;
}

static int read_header(gzFile g, const char *path, IdxArray *a, int ndims)
{
    uint8_t magic[4], raw[4];
    if (gz_read_all(g, magic, 4) != 4) {
        const char *why = gz_problem(g, path);
        ffvae_error("%s: too short for an IDX header%s%s", path, why[0] ? ": " : "", why);
        return -1;
    }
    if (magic[0] != 0 || magic[1] != 0 || magic[3] == 0 || magic[3] > 4) {
        ffvae_error("%s: bad magic number 0x%02x%02x%02x%02x (not an IDX file)", path, magic[0],
                    magic[1], magic[2], magic[3]);
        return -1;
    }
    if (magic[2] != IDX_UBYTE) {
        ffvae_error("%s: IDX element type 0x%02x is not supported (expected unsigned bytes, "
                    "0x08)", path, magic[2]);
        return -1;
    }
    if (magic[3] != ndims) {
        ffvae_error("%s: expected %d dimension%s (%s), found %d", path, ndims,
                    ndims == 1 ? "" : "s", ndims == 1 ? "labels" : "images", magic[3]);
        return -1;
    }
    a->ndims = ndims;
    for (int i = 0; i < ndims; i++) {
        if (gz_read_all(g, raw, 4) != 4) {
            ffvae_error("%s: truncated IDX header", path);
            return -1;
        }
        uint32_t v = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 |
                     raw[3];
        /* 2^31 items or a side of 2^16 pixels is far beyond any IDX data set:
         * such a header is corrupt, and refusing it keeps sizes from overflowing. */
        if (v > 0x7fffffffu || (i > 0 && (v == 0 || v > 65536))) {
            ffvae_error("%s: implausible dimension %d: %lu", path, i, (unsigned long)v);
            return -1;
        }
        a->dims[i] = (long)v;
    }
    return 0;
}

/* Reads the bytes the header declares into a->data, returning how many
 * arrived (-1 after reporting). Nothing is allocated on the header's word
 * alone: a plain file must hold the declared size, and a gzipped one (whose
 * size says little) gets a buffer that grows as data arrives, so a 40-byte
 * file declaring terabytes costs a few kilobytes. */
static long read_data(gzFile g, const char *path, IdxArray *a, size_t bytes)
{
    const size_t header = 4 + 4 * (size_t)a->ndims;
    if (gzdirect(g)) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            (size_t)st.st_size < header + bytes) {
            ffvae_error("%s: truncated: the header declares %ld items (%zu bytes), the file "
                        "holds %lld bytes", path, a->items_in_file, bytes,
                        (long long)st.st_size - (long long)header);
            return -1;
        }
    }
    size_t cap = bytes < ((size_t)1 << 20) ? bytes : (size_t)1 << 20, done = 0;
    a->data = checked_malloc(cap, 1, path);
    if (!a->data)
        return -1;
    while (done < bytes) {
        if (done == cap) {
            size_t grown = cap > bytes / 2 ? bytes : 2 * cap;
            uint8_t *p = realloc(a->data, grown);
            if (!p) {
                ffvae_error("%s: cannot allocate %zu bytes", path, grown);
                return -1;
            }
            a->data = p;
            cap = grown;
        }
        long got = gz_read_all(g, a->data + done, cap - done);
        if (got < 0)
            break; /* reported by the caller, with zlib's reason */
        done += (size_t)got;
        if (done < cap)
            break; /* the end of the data */
    }
    return (long)done;
}

int idx_read(IdxArray *a, const char *path, int ndims, long limit)
{
    memset(a, 0, sizeof *a);
    if (ndims < 1 || ndims > IDX_MAX_DIMS) {
        ffvae_error("%s: %d-dimensional IDX files are not supported", path, ndims);
        return -1;
    }
    errno = 0;
    gzFile g = gzopen(path, "rb");
    if (!g) {
        ffvae_error("%s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
        return -1;
    }
    gzbuffer(g, 1 << 16);
    if (read_header(g, path, a, ndims) != 0)
        goto fail;
    a->items_in_file = a->dims[0];
    if (limit >= 0 && limit < a->dims[0])
        a->dims[0] = limit;
    size_t item = 1;
    for (int i = 1; i < ndims; i++)
        item *= (size_t)a->dims[i];
    size_t bytes = (size_t)a->dims[0] * item;
    long got = read_data(g, path, a, bytes);
    if (got < 0)
        goto fail;
    if ((size_t)got != bytes) {
        const char *why = gz_problem(g, path);
        if (why[0])
            ffvae_error("%s: corrupt or truncated data (zlib: %s)", path, why);
        else
            ffvae_error("%s: truncated: the header declares %ld items (%zu bytes), the file "
                        "holds %ld bytes", path, a->items_in_file, bytes, got);
        goto fail;
    }
    if (a->dims[0] == a->items_in_file) {
        /* Read past the end: this is where a cut-off gzip trailer or extra
         * bytes beyond the declared items show up. */
        uint8_t extra;
        int n = gzread(g, &extra, 1);
        if (n < 0 || gz_problem(g, path)[0]) {
            ffvae_error("%s: corrupt or truncated data (zlib: %s)", path, gz_problem(g, path));
            goto fail;
        }
        if (n > 0) {
            ffvae_error("%s: more data than the %ld items the header declares", path,
                        a->items_in_file);
            goto fail;
        }
    }
    if (gzclose(g) != Z_OK) {
        ffvae_error("%s: corrupt or truncated data", path);
        g = NULL;
        goto fail;
    }
    return 0;
fail:
    if (g)
        gzclose(g);
    idx_free(a);
    return -1;
}

void idx_free(IdxArray *a)
{
    free(a->data);
    a->data = NULL;
}
