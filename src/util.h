/* util.h - error reporting, checked allocation and safe output files.
 *
 * Library functions report a failure once, where it happens, as
 * "ffvae: <what>: <why>" on stderr, and return an error value (-1 or NULL)
 * so the command can clean up and exit non-zero. Nothing here exits. */
#ifndef FFVAE_UTIL_H
#define FFVAE_UTIL_H

#include <stddef.h>
#include <stdio.h>

#define FFVAE_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Prints "ffvae: <formatted message>\n" to stderr. */
void ffvae_error(const char *fmt, ...) FFVAE_PRINTF(1, 2);

/* malloc/calloc that report "cannot allocate N bytes for WHAT" and return NULL.
 * Sizes are multiplied with overflow checking. */
void *checked_malloc(size_t count, size_t size, const char *what);
void *checked_calloc(size_t count, size_t size, const char *what);

/* An output file written under a temporary name in the same directory and
 * renamed into place only when complete, so a failed or interrupted write
 * never leaves a partial file or damages the previous one. */
typedef struct {
    char path[4096];     /* final name */
    char tmp_path[4200]; /* where the data is written until commit */
} OutputFile;

/* Checks the destination: its directory must exist and be writable, and an
 * existing file is refused unless overwrite is set. Fills out->tmp_path. */
int output_begin(OutputFile *out, const char *path, int overwrite);
/* Renames the temporary file into place. */
int output_commit(OutputFile *out);
/* Removes the temporary file (safe to call when it was never created). */
void output_abort(OutputFile *out);

/* Checks that path can be written (existing, writable directory; not a
 * directory itself) before long work, so a bad path fails fast. */
int output_check(const char *path);

/* The same as a stdio stream: output_open (overwriting) returns the
 * temporary file opened for writing, or NULL after reporting; output_close
 * closes it and renames it into place only when every write succeeded (0), or
 * reports and removes it (-1); output_discard drops it on an error path. */
FILE *output_open(OutputFile *out, const char *path);
int output_close(OutputFile *out, FILE *f);
void output_discard(OutputFile *out, FILE *f);

/* Writes text to path atomically (overwriting), through an OutputFile. */
int write_file_atomic(const char *path, const char *text);

/* Creates a directory (and its parents) if missing. */
int make_dirs(const char *path);
/* 1 when path exists. */
int path_exists(const char *path);
/* Joins dir and name into buf; returns -1 when it would not fit. */
int path_join(char *buf, size_t size, const char *dir, const char *name);

/* Writes "KEY": V to a JSON object, and ", " unless last; JSON has no inf or
 * NaN, so those are written as null. */
void json_number(FILE *f, const char *key, double v, int last);

/* Seconds on a monotonic clock. */
double now_seconds(void);

/* Parses a whole decimal integer / float; returns -1 on junk or overflow. */
int parse_long(const char *s, long *out);
int parse_float(const char *s, float *out);

#endif
