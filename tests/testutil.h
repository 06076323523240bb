/* testutil.h - helpers that several Check test programs share (tests/testutil.c,
 * listed in each one's _SOURCES). Each fails the running test with a Check
 * assertion instead of returning an error. */
#ifndef FFVAE_TESTUTIL_H
#define FFVAE_TESTUTIL_H

#include <stddef.h>
#include <string.h>

/* Asserts (Check) that an error message contains part, showing both if not;
 * a macro so that Check names the test's own line. */
#define ck_assert_has(text, part) ck_assert_msg(strstr((text), (part)) != NULL, \
    "expected '%s' in the message: %s", (part), (text))

/* calloc that fails the test instead of returning NULL (count 0 still gives a block). */
void *alloc_or_fail(size_t count, size_t size);

/* The path of a file in the source tree: $SRCDIR/<relative, printf-formatted> in buf. */
__attribute__((format(printf, 3, 4)))
const char *srcdir_path(char *buf, size_t size, const char *relative_format, ...);

/* Makes a fresh directory for a test's files, ${TMPDIR:-/tmp}/ffvae-<tag>-XXXXXX, in dir. */
void tmpdir_make(char *dir, size_t size, const char *tag);

/* Removes a tmpdir_make directory and everything below it. */
void tmpdir_remove(const char *dir);

/* How many entries dir holds, "." and ".." aside (what a test left behind). */
int dir_entry_count(const char *dir);

/* Starts capturing stderr, to check an error message (one capture at a time). */
void stderr_capture_begin(void);

/* Ends the capture, with what stderr printed in text[size], NUL-terminated. */
void stderr_capture_end(char *text, size_t size);

/* A known blur: out[H, W, C] = mean of img over a (2 radius + 1)² window, edges clamped. */
void box_blur(float *out, const float *img, int H, int W, int C, int radius);

#ifdef FFVAE_MODEL_H /* declared for the tests that include model.h before this header */
/* A test model: m from config_text, frequencies (images may be NULL) and parameters from r. */
void build_model(Model *m, const char *config_text, const uint8_t *images, int n_images, Rng *r);
#endif

/* Σ a[i]·b[i], accumulated in double. */
double dot_double(const float *a, const float *b, size_t n);

/* Asserts (Check) max |got − want| ≤ tol over n values (NaN fails), naming
 * what, the worst index and both values. */
void assert_close(const float *got, const float *want, size_t n, double tol, const char *what);

#endif
