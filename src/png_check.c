/* png_check.c - the chunk-length check of png_check.h. */
#include "png_check.h"

#include "util.h"
#include <string.h>

static const unsigned char png_signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};

int png_chunks_fit(const uint8_t *data, size_t size, long long *offset, char type[5],
                   unsigned long *length)
{
    if (size < 8 || memcmp(data, png_signature, 8) != 0)
        return 0;
    /* Each chunk: a 4-byte big-endian length, a 4-byte type, the data, a CRC. */
    for (size_t at = 8; size - at >= 8;) {
        const uint8_t *head = data + at;
        unsigned long declared = (unsigned long)head[0] << 24 | (unsigned long)head[1] << 16 |
                                 (unsigned long)head[2] << 8 | head[3];
        size_t left = size - (at + 8);
        if (declared > 0x7fffffffUL || declared > left) {
            *offset = (long long)at;
            memcpy(type, head + 4, 4);
            type[4] = '\0';
            *length = declared;
            return -1;
        }
        if (memcmp(head + 4, "IEND", 4) == 0)
            return 0;
        /* The data and the CRC; a file that ends inside them is the decoder's to refuse. */
        if (left - declared < 4)
            return 0;
        at += 8 + declared + 4;
    }
    return 0;
}

int png_check_data(const char *path, const uint8_t *data, size_t size)
{
    long long offset = 0;
    char type[5] = "";
    unsigned long length = 0;
    int rc = png_chunks_fit(data, size, &offset, type, &length);
    if (rc != 0) {
        for (int i = 0; i < 4; i++) /* a hostile type need not be printable */
            if (type[i] < 0x21 || type[i] > 0x7e)
                type[i] = '?';
        ffvae_error("%s: damaged or hostile PNG: the %s chunk at byte %lld declares %lu bytes, "
                    "more than the %lld left in the file", path, type, offset, length,
                    (long long)size - offset - 8);
    }
    return rc;
}
