/* testutil.c - the helpers of testutil.h. */
#define _XOPEN_SOURCE 700 /* nftw and its FTW_* flags */
#include "model.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *alloc_or_fail(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size);
    ck_assert_ptr_nonnull(p);
    return p;
}

const char *srcdir_path(char *buf, size_t size, const char *relative_format, ...)
{
    const char *src = getenv("SRCDIR");
    ck_assert_msg(src != NULL && *src, "SRCDIR is not set: run through make check");
    int n = snprintf(buf, size, "%s/", src);
    ck_assert(n > 0 && (size_t)n < size);
    va_list ap;
    va_start(ap, relative_format);
    int m = vsnprintf(buf + n, size - (size_t)n, relative_format, ap);
    va_end(ap);
    ck_assert_msg(m >= 0 && (size_t)m < size - (size_t)n, "path under %s too long", src);
    return buf;
}

void tmpdir_make(char *dir, size_t size, const char *tag)
{
    const char *tmp = getenv("TMPDIR");
    int n = snprintf(dir, size, "%s/ffvae-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
    ck_assert(n > 0 && (size_t)n < size);
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

void tmpdir_remove(const char *dir)
{
    /* Depth first, so each directory is empty when its turn comes; links are
     * removed, not followed. */
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int dir_entry_count(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open directory %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static int saved_stderr = -1;
static FILE *captured_stderr;

void stderr_capture_begin(void)
{
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    ck_assert_int_ge(saved_stderr, 0);
    captured_stderr = tmpfile();
    ck_assert_ptr_nonnull(captured_stderr);
    ck_assert_int_ge(dup2(fileno(captured_stderr), STDERR_FILENO), 0);
}

void stderr_capture_end(char *text, size_t size)
{
    fflush(stderr);
    ck_assert_int_ge(dup2(saved_stderr, STDERR_FILENO), 0);
    close(saved_stderr);
    rewind(captured_stderr);
    size_t n = fread(text, 1, size - 1, captured_stderr);
    text[n] = '\0';
    fclose(captured_stderr);
}

void box_blur(float *out, const float *img, int H, int W, int C, int radius)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < C; c++) {
                double sum = 0;
                int count = 0;
                for (int dy = -radius; dy <= radius; dy++)
                    for (int dx = -radius; dx <= radius; dx++) {
                        int yy = y + dy, xx = x + dx;
                        yy = yy < 0 ? 0 : yy >= H ? H - 1 : yy;
                        xx = xx < 0 ? 0 : xx >= W ? W - 1 : xx;
                        sum += img[(yy * W + xx) * C + c];
                        count++;
                    }
                out[(y * W + x) * C + c] = (float)(sum / count);
            }
}

void build_model(Model *m, const char *config_text, const uint8_t *images, int n_images, Rng *r)
{
    ModelConfig c;
    ck_assert_int_eq(config_parse(&c, config_text, "test"), 0);
    ck_assert_int_eq(model_create(m, &c), 0);
    ck_assert_int_eq(model_init_frequencies(m, images, n_images, r), 0);
    model_init_params(m, r);
}

double dot_double(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

void assert_close(const float *got, const float *want, size_t n, double tol, const char *what)
{
    double worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        double err = fabs((double)got[i] - want[i]);
        if (!(err <= worst)) /* catches NaN too */
            worst = isnan(err) ? INFINITY : err, at = i;
    }
    ck_assert_msg(worst <= tol, "%s: max abs error %g > %g at %zu (got %.8g, want %.8g)", what,
                  worst, tol, at, n ? got[at] : 0.0f, n ? want[at] : 0.0f);
}
