/* fuzz_idx.c - libFuzzer harness for the IDX reader (src/idx.c), the one
 * `ffvae import mnist|fashion-mnist` reads every file with.
 *
 * The input is written to a file and read with idx_read as the importer
 * does: gzipped or plain (zlib's gz reader tells them apart by content, so a
 * .gz seed and a plain one go through the same call), with the number of
 * dimensions the header claims (1: labels, 3: images, else 3, which is
 * refused), and then again with a limit of 5 items (`--limit`), whose read
 * stops before the end of the data. A lying header must cost nothing: the
 * reader allocates no more than the file can hold (plain) or what arrives
 * (gzip), which libFuzzer's -malloc_limit_mb and -rss_limit_mb check. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("idx", "input-idx-ubyte", data, size);
    int ndims = size >= 4 && data[3] >= 1 && data[3] <= IDX_MAX_DIMS ? data[3] : 3;
    IdxArray a;
    if (idx_read(&a, path, ndims, -1) == 0) {
        /* Touch the last byte the header declared: it must be there. */
        size_t n = (size_t)a.dims[0];
        for (int i = 1; i < a.ndims; i++)
            n *= (size_t)a.dims[i];
        volatile uint8_t last = n ? a.data[n - 1] : 0;
        (void)last;
        idx_free(&a);
    }
    if (idx_read(&a, path, ndims, 5) == 0)
        idx_free(&a);
    return 0;
}
