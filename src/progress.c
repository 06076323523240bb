/* progress.c - formatting a run's lines for its Reporter (see progress.h). */
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Formats into a stack buffer, or a heap one for a longer text (a report
 * path and its verdict), and hands the result to emit. */
static void format_and_emit(void (*emit)(void *, const char *), void *ctx, const char *fmt,
                            va_list ap)
{
    char small[1024];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        ffvae_error("progress: cannot format '%s'", fmt);
    } else if ((size_t)n < sizeof small) {
        emit(ctx, small);
    } else {
        char *big = checked_malloc((size_t)n + 1, 1, "progress line");
        if (big) {
            vsnprintf(big, (size_t)n + 1, fmt, again);
            emit(ctx, big);
        }
        free(big);
    }
    va_end(again);
}

void report_line(const Reporter *r, const char *fmt, ...)
{
    if (!r || !r->line)
        return;
    va_list ap;
    va_start(ap, fmt);
    format_and_emit(r->line, r->ctx, fmt, ap);
    va_end(ap);
}

void report_status(const Reporter *r, const char *fmt, ...)
{
    if (!report_is_live(r))
        return;
    va_list ap;
    va_start(ap, fmt);
    format_and_emit(r->status, r->ctx, fmt, ap);
    va_end(ap);
}

void report_status_end(const Reporter *r)
{
    if (report_is_live(r))
        r->status(r->ctx, NULL);
}
