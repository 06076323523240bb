/* testutil.h - helpers that several Check test programs share. Each fails the
 * running test (with a Check assertion) instead of returning an error. */
#ifndef FFVAE_TESTUTIL_H
#define FFVAE_TESTUTIL_H

#include <stddef.h>

/* calloc that fails the test when it returns NULL; count 0 still gives a block. */
void *alloc_or_fail(size_t count, size_t size);

/* Writes $SRCDIR/<relative, printf-formatted> into buf and returns buf; SRCDIR
 * must be set (make check sets it). */
__attribute__((format(printf, 3, 4)))
const char *srcdir_path(char *buf, size_t size, const char *relative_format, ...);

/* Makes a fresh directory $TMPDIR/ffvae-<tag>-XXXXXX (TMPDIR defaults to /tmp)
 * for a test's files and writes its path into dir. */
void tmpdir_make(char *dir, size_t size, const char *tag);

/* Removes dir and everything below it (the end of tmpdir_make). */
void tmpdir_remove(const char *dir);

/* How many entries dir holds, "." and ".." aside. */
int dir_entry_count(const char *dir);

/* Sends stderr to a temporary file until stderr_capture_end (one capture at a time). */
void stderr_capture_begin(void);

/* Ends the capture: what was printed goes into text[size], NUL-terminated. */
void stderr_capture_end(char *text, size_t size);

/* out[H, W, C] = the mean of img over a (2 radius + 1)² window per channel,
 * edges clamped: a known blur to measure against. */
void box_blur(float *out, const float *img, int H, int W, int C, int radius);

#ifdef FFVAE_MODEL_H /* for the tests that include model.h (before this header) */
/* Creates m from config_text, then draws its frequencies (from images[n_images];
 * NULL and 0 where the encoding needs none) and its parameters from r. */
void build_model(Model *m, const char *config_text, const uint8_t *images, int n_images, Rng *r);
#endif

#endif
