/* png_check.c - the chunk-length check of png_check.h. */
#include "png_check.h"

#include "util.h"
#include <string.h>
#include <sys/stat.h>

static const unsigned char png_signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};

int png_chunks_fit(FILE *stream, long long size, long long *offset, char type[5],
                   unsigned long *length)
{
    unsigned char head[8];
    if (fread(head, 1, 8, stream) != 8 || memcmp(head, png_signature, 8) != 0)
        return 0;
    long long at = 8;
    /* Each chunk: a 4-byte big-endian length, a 4-byte type, the data, a CRC. */
    while (fread(head, 1, 8, stream) == 8) {
        unsigned long declared = (unsigned long)head[0] << 24 | (unsigned long)head[1] << 16 |
                                 (unsigned long)head[2] << 8 | head[3];
        long long left = size - (at + 8);
        if (declared > 0x7fffffffUL || (long long)declared > left) {
            *offset = at;
            memcpy(type, head + 4, 4);
            type[4] = '\0';
            *length = declared;
            return -1;
        }
        if (memcmp(head + 4, "IEND", 4) == 0)
            return 0;
        /* The data and the CRC; a file that ends inside them is the decoder's to refuse. */
        if (fseeko(stream, (off_t)declared + 4, SEEK_CUR) != 0)
            return 0;
        at += 8 + (long long)declared + 4;
    }
    return 0;
}

int png_check_file(const char *path)
{
    FILE *stream = fopen(path, "rb");
    if (!stream)
        return 0;
    struct stat st;
    if (fstat(fileno(stream), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(stream);
        return 0; /* jpeg_check_file, which runs first, refuses what is not a regular file */
    }
    long long offset = 0;
    char type[5] = "";
    unsigned long length = 0;
    int rc = png_chunks_fit(stream, (long long)st.st_size, &offset, type, &length);
    fclose(stream);
    if (rc != 0) {
        for (int i = 0; i < 4; i++) /* a hostile type need not be printable */
            if (type[i] < 0x21 || type[i] > 0x7e)
                type[i] = '?';
        ffvae_error("%s: damaged or hostile PNG: the %s chunk at byte %lld declares %lu bytes, "
                    "more than the %lld left in the file", path, type, offset, length,
                    (long long)st.st_size - offset - 8);
    }
    return rc;
}
