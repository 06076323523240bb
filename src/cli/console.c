/* console.c - a run's lines on stdout, its live line on a terminal's stderr. */
#include "console.h"

#include <stdio.h>
#include <unistd.h>

/* Flushed at once, so each line is seen when the run makes it, also through a
 * pipe or into a log file while a long run is still going. */
static void print_line(void *ctx, const char *text)
{
    (void)ctx;
    fputs(text, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

/* \r returns to the start of the terminal's line, so each status overwrites
 * the last; the end moves on to a new line. stderr is unbuffered. */
static void print_status(void *ctx, const char *text)
{
    (void)ctx;
    if (text)
        fprintf(stderr, "\r%s", text);
    else
        fputc('\n', stderr);
}

Reporter console_reporter(void)
{
    Reporter r = {print_line, isatty(STDERR_FILENO) ? print_status : NULL, NULL};
    return r;
}
