/* testutil.c - the helpers of testutil.h. */
#include "testutil.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
