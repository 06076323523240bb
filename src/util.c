/* util.c - error reporting, checked allocation and safe output files. */
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void ffvae_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ffvae: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int size_product(size_t count, size_t size, size_t *out)
{
    if (size != 0 && count > SIZE_MAX / size)
        return -1;
    *out = count * size;
    return 0;
}

void *checked_malloc(size_t count, size_t size, const char *what)
{
    size_t bytes;
    void *p = NULL;
    if (size_product(count, size, &bytes) == 0)
        p = malloc(bytes ? bytes : 1);
    if (!p)
        ffvae_error("%s: cannot allocate %zu x %zu bytes", what, count, size);
    return p;
}

void *checked_calloc(size_t count, size_t size, const char *what)
{
    size_t bytes;
    void *p = NULL;
    if (size_product(count, size, &bytes) == 0)
        p = calloc(bytes ? bytes : 1, 1);
    if (!p)
        ffvae_error("%s: cannot allocate %zu x %zu bytes", what, count, size);
    return p;
}

/* The directory part of path ("." when there is none). */
static void dir_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, size, ".");
    } else if (slash == path) {
        snprintf(dir, size, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= size)
            n = size - 1;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
}

int output_begin(OutputFile *out, const char *path, int overwrite)
{
    char dir[4096];
    struct stat st;
    if (strlen(path) >= sizeof out->path) {
        ffvae_error("%s: path too long", path);
        return -1;
    }
    snprintf(out->path, sizeof out->path, "%s", path);
    out->tmp_path[0] = '\0';
    dir_of(path, dir, sizeof dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ffvae_error("%s: output directory %s does not exist", path, dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        ffvae_error("%s: output directory %s is not writable", path, dir);
        return -1;
    }
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            ffvae_error("%s: is a directory", path);
            return -1;
        }
        if (!overwrite) {
            ffvae_error("%s: already exists (use --force to replace it)", path);
            return -1;
        }
    }
    snprintf(out->tmp_path, sizeof out->tmp_path, "%s.tmp.%ld", path, (long)getpid());
    return 0;
}

int output_commit(OutputFile *out)
{
    if (rename(out->tmp_path, out->path) != 0) {
        ffvae_error("%s: cannot rename %s into place: %s", out->path, out->tmp_path,
                    strerror(errno));
        output_abort(out);
        return -1;
    }
    out->tmp_path[0] = '\0';
    return 0;
}

void output_abort(OutputFile *out)
{
    if (out->tmp_path[0])
        unlink(out->tmp_path);
    out->tmp_path[0] = '\0';
}

int output_check(const char *path)
{
    OutputFile o;
    if (output_begin(&o, path, 1) != 0)
        return -1;
    output_abort(&o); /* nothing was created; this only clears the name */
    return 0;
}

FILE *output_open(OutputFile *out, const char *path)
{
    if (output_begin(out, path, 1) != 0)
        return NULL;
    FILE *f = fopen(out->tmp_path, "w");
    if (!f) {
        ffvae_error("%s: cannot write %s: %s", path, out->tmp_path, strerror(errno));
        output_abort(out);
    }
    return f;
}

int output_close(OutputFile *out, FILE *f)
{
    /* A write error (a full disk) can surface at any fputs, or only when the
     * buffer is flushed by fclose: both are checked before the rename. */
    int failed = ferror(f);
    if (fclose(f) != 0)
        failed = 1;
    if (failed) {
        ffvae_error("%s: cannot write: %s", out->path, strerror(errno));
        output_abort(out);
        return -1;
    }
    return output_commit(out);
}

void output_discard(OutputFile *out, FILE *f)
{
    if (f)
        fclose(f);
    output_abort(out);
}

int write_file_atomic(const char *path, const char *text)
{
    OutputFile out;
    FILE *f = output_open(&out, path);
    if (!f)
        return -1;
    fputs(text, f);
    return output_close(&out, f);
}

int path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int make_dirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        ffvae_error("%s: bad directory path", path);
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            ffvae_error("%s: cannot create directory: %s", buf, strerror(errno));
            return -1;
        }
        buf[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ffvae_error("%s: not a directory", path);
        return -1;
    }
    return 0;
}

int path_join(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size) {
        ffvae_error("%s/%s: path too long", dir, name);
        return -1;
    }
    return 0;
}

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int parse_float(const char *s, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (errno || end == s || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

void json_number(FILE *f, const char *key, double v, int last)
{
    if (isfinite(v))
        fprintf(f, "\"%s\": %.9g%s", key, v, last ? "" : ", ");
    else
        fprintf(f, "\"%s\": null%s", key, last ? "" : ", ");
}
