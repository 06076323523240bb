/* strbuf.h - a growing string buffer for text built piece by piece (the
 * compare report, its CSV files and gnuplot scripts, the manifest).
 *
 * strbuf_printf appends and grows the buffer as needed, so no caller sizes a
 * buffer or tracks a length. The first failure (out of memory, or a format
 * that cannot be converted) is reported once through ffvae_error and latched:
 * later appends do nothing, and the caller checks once, at the end, with
 * strbuf_take or b->failed. */
#ifndef FFVAE_STRBUF_H
#define FFVAE_STRBUF_H

#include <stddef.h>

#include "util.h"

typedef struct {
    char *text;       /* NUL-terminated; NULL until the first append */
    size_t len, cap;  /* length without the NUL; bytes allocated */
    int failed;       /* an append failed (reported): the text is incomplete */
    const char *what; /* names the text in the error message */
} StrBuf;

/* An empty buffer; what names the text ("report.md") in messages. */
#define STRBUF_INIT(what_) {NULL, 0, 0, 0, (what_)}

/* Appends the formatted text. Returns 0, or -1 when this or an earlier
 * append failed (reported once). */
int strbuf_printf(StrBuf *b, const char *fmt, ...) FFVAE_PRINTF(2, 3);

/* The text so far ("" before the first append); valid until the next append. */
const char *strbuf_text(const StrBuf *b);

/* Hands the text to the caller (who frees it) and leaves b empty. Returns
 * NULL when an append failed, or when allocating "" for an empty buffer did. */
char *strbuf_take(StrBuf *b);

/* Frees the text; b is empty again (and no longer failed). */
void strbuf_free(StrBuf *b);

#endif
