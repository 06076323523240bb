/* strbuf.c - a growing string buffer with a latched error (strbuf.h). */
#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first allocation; small texts (a verdict, a path) then need only one. */
#define STRBUF_FIRST_CAP 256

/* Makes room for `extra` more characters and the NUL. */
static int strbuf_reserve(StrBuf *b, size_t extra)
{
    if (extra > SIZE_MAX - 1 - b->len) {
        ffvae_error("%s: text too long", b->what);
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    /* Doubling keeps n appends O(n) copies in all. */
    size_t cap = b->cap ? b->cap : STRBUF_FIRST_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : 2 * cap;
    char *grown = realloc(b->text, cap);
    if (!grown) {
        ffvae_error("%s: cannot allocate %zu bytes", b->what, cap);
        return -1;
    }
    b->text = grown;
    b->cap = cap;
    return 0;
}

int strbuf_printf(StrBuf *b, const char *fmt, ...)
{
    if (b->failed)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        ffvae_error("%s: cannot format text: %s", b->what, strerror(errno));
        b->failed = 1;
        return -1;
    }
    if (strbuf_reserve(b, (size_t)n) != 0) {
        b->failed = 1;
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(b->text + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

const char *strbuf_text(const StrBuf *b)
{
    return b->text ? b->text : "";
}

char *strbuf_take(StrBuf *b)
{
    char *text = NULL;
    if (!b->failed) {
        text = b->text ? b->text : checked_calloc(1, 1, b->what);
        b->text = NULL; /* handed over: strbuf_free below must not free it */
    }
    strbuf_free(b);
    return text;
}

void strbuf_free(StrBuf *b)
{
    free(b->text);
    b->text = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
