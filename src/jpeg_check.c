/* jpeg_check.c - the Huffman-table check of jpeg_check.h.
 *
 * Which DHT segments stb_image parses depends on where its entropy decoder
 * stops, so rather than follow its marker walk this reads every 0xFF 0xC4
 * pair in the file as a DHT segment, as stb would: a 16-bit length L, then
 * tables while L > 0, each a class/id byte (stb gives up on class > 1 or
 * id > 3), sixteen counts and their sum n of symbols, 17 + n bytes in all,
 * reading zeros past the end of the file as stb does. That is a superset of
 * what stb can parse, so nothing it reads escapes the check.
 *
 * Done naively, that costs up to 64 KiB of table walking per pair. Instead
 * one backward pass computes, for every offset x, how far the chain of
 * tables starting at x runs before a table with n > 256 (none if it stops on
 * a bad class/id first, or the bad table is beyond any segment's reach):
 * chain(x) depends only on chain(x + 17 + n(x)), at most 4 097 bytes ahead,
 * so a ring of 8 192 entries holds all the pass needs. Linear time, constant
 * memory, whatever the file holds. */
#include "jpeg_check.h"
#include "util.h"


#define DHT_MAX_CODES 256
#define SEGMENT_REACH 65536 /* a segment's tables lie within its 16-bit length */
#define RING 8192           /* > the longest table, 17 + 16 * 255 bytes */
#define NO_BAD_TABLE (-1)

static unsigned byte_at(const uint8_t *data, size_t size, size_t i)
{
    return i < size ? data[i] : 0; /* stb_image reads zeros past the end */
}

/* stb_image takes a file for a JPEG when it opens with 0xFF, any number of
 * 0xFF fill bytes, then 0xD8 (the start-of-image marker). */
static int is_jpeg_to_stb(const uint8_t *data, size_t size)
{
    size_t i = 0;
    if (byte_at(data, size, i++) != 0xFF)
        return 0;
    while (i < size && data[i] == 0xFF)
        i++;
    return byte_at(data, size, i) == 0xD8;
}

int jpeg_huffman_tables_fit(const uint8_t *data, size_t size, long long *table_offset,
                            int *codes)
{
    if (size == 0 || !is_jpeg_to_stb(data, size))
        return 0;
    int32_t ring[RING]; /* ring[x % RING]: distance from x to the first bad table of its chain */
    unsigned counts = 0; /* the sum of the 16 bytes after x, kept as x moves down */
    for (size_t i = 1; i <= 16; i++)
        counts += byte_at(data, size, size - 1 + i);
    for (size_t x = size; x-- > 0;) {
        if (x + 1 < size) /* slide the window [x+1, x+16] down by one */
            counts += byte_at(data, size, x + 1) - byte_at(data, size, x + 17);
        unsigned cls = data[x] >> 4, id = data[x] & 15;
        int32_t to_bad = NO_BAD_TABLE;
        if (cls <= 1 && id <= 3) {
            size_t next = x + 17 + counts;
            if (counts > DHT_MAX_CODES)
                to_bad = 0;
            else if (next < size && ring[next % RING] != NO_BAD_TABLE) {
                size_t reach = next - x + (size_t)ring[next % RING];
                if (reach < SEGMENT_REACH)
                    to_bad = (int32_t)reach;
            }
        }
        ring[x % RING] = to_bad;
        /* A DHT segment whose tables start at x: 0xFF 0xC4 and its length. */
        if (x >= 4 && data[x - 4] == 0xFF && data[x - 3] == 0xC4 && to_bad != NO_BAD_TABLE) {
            long length = (long)(data[x - 2] << 8 | data[x - 1]) - 2;
            if (to_bad < length) {
                size_t bad = x + (size_t)to_bad;
                int n = 0;
                for (size_t i = 1; i <= 16; i++)
                    n += (int)byte_at(data, size, bad + i);
                *table_offset = (long long)bad;
                *codes = n;
                return -1;
            }
        }
    }
    return 0;
}

int jpeg_check_data(const char *path, const uint8_t *data, size_t size)
{
    long long offset = 0;
    int codes = 0;
    int rc = jpeg_huffman_tables_fit(data, size, &offset, &codes);
    if (rc != 0)
        ffvae_error("%s: damaged or hostile JPEG: the Huffman table at byte %lld declares %d "
                    "codes, more than %d (stb_image would write past its tables)",
                    path, offset, codes, DHT_MAX_CODES);
    return rc;
}
