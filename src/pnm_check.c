/* pnm_check.c - the header check of pnm_check.h, one byte at a time through
 * stdio, so that its memory is constant whatever the header's length. */
#include "pnm_check.h"

#include "util.h"
#include <limits.h>

static int is_pnm_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* stb's stbi__pnm_skip_whitespace: blanks, and '#' comments to the line's end. */
static int skip_space_and_comments(FILE *stream, int c)
{
    for (;;) {
        while (c != EOF && is_pnm_space(c))
            c = getc(stream);
        if (c != '#')
            return c;
        while (c != EOF && c != '\n' && c != '\r')
            c = getc(stream);
    }
}

int pnm_header_fits(FILE *stream, int *field)
{
    int p = getc(stream), t = getc(stream);
    if (p != 'P' || (t != '5' && t != '6'))
        return 0;
    int c = getc(stream);
    for (int i = 0; i < 3; i++) {
        c = skip_space_and_comments(stream, c);
        long long value = 0;
        while (c >= '0' && c <= '9') {
            value = value * 10 + (c - '0');
            if (value > INT_MAX) {
                *field = i;
                return -1;
            }
            c = getc(stream);
        }
    }
    return 0;
}

int pnm_check_file(const char *path)
{
    FILE *stream = fopen(path, "rb");
    if (!stream)
        return 0;
    int field = 0;
    int rc = pnm_header_fits(stream, &field);
    fclose(stream);
    static const char *const names[] = {"width", "height", "maximum value"};
    if (rc != 0)
        ffvae_error("%s: damaged or hostile PNM: its header's %s is larger than %d "
                    "(stb_image would overflow reading it)", path, names[field], INT_MAX);
    return rc;
}
