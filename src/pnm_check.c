/* pnm_check.c - the header check of pnm_check.h, one byte at a time, reading
 * no further than the header. */
#include "pnm_check.h"

#include "util.h"
#include <limits.h>

/* A reader over data[0..size) with stdio's end: -1 past the last byte. */
typedef struct {
    const uint8_t *data;
    size_t size, at;
} Bytes;

static int next_byte(Bytes *b)
{
    return b->at < b->size ? b->data[b->at++] : -1;
}

static int is_pnm_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* stb's stbi__pnm_skip_whitespace: blanks, and '#' comments to the line's end. */
static int skip_space_and_comments(Bytes *b, int c)
{
    for (;;) {
        while (c != -1 && is_pnm_space(c))
            c = next_byte(b);
        if (c != '#')
            return c;
        while (c != -1 && c != '\n' && c != '\r')
            c = next_byte(b);
    }
}

int pnm_header_fits(const uint8_t *data, size_t size, int *field)
{
    Bytes b = {data, size, 0};
    int p = next_byte(&b), t = next_byte(&b);
    if (p != 'P' || (t != '5' && t != '6'))
        return 0;
    int c = next_byte(&b);
    for (int i = 0; i < 3; i++) {
        c = skip_space_and_comments(&b, c);
        long long value = 0;
        while (c >= '0' && c <= '9') {
            value = value * 10 + (c - '0');
            if (value > INT_MAX) {
                *field = i;
                return -1;
            }
            c = next_byte(&b);
        }
    }
    return 0;
}

int pnm_check_data(const char *path, const uint8_t *data, size_t size)
{
    int field = 0;
    int rc = pnm_header_fits(data, size, &field);
    static const char *const names[] = {"width", "height", "maximum value"};
    if (rc != 0)
        ffvae_error("%s: damaged or hostile PNM: its header's %s is larger than %d "
                    "(stb_image would overflow reading it)", path, names[field], INT_MAX);
    return rc;
}
