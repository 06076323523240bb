/* fuzz_dataset.c - libFuzzer harness for the dataset loader (src/dataset.c,
 * src/h5util.c, libhdf5 behind them; see fuzz_h5.h for what is protected).
 *
 * The input is written to a file and read as `ffvae info FILE` reads it
 * (file_info: the format attribute, then the summary, which loads the
 * dataset or checkpoint the attribute names) and as `ffvae train -d FILE`
 * does (dataset_load, the split geometry check, then a batch's worth of
 * images read back). */
#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "fuzz_h5.h"
#include "info.h"

/* Reads every byte of the first images and labels the loader returned, as
 * the first batches of a run would. */
static unsigned touch_split(const Split *s)
{
    unsigned sum = 0;
    size_t image = (size_t)s->h * (size_t)s->w * (size_t)s->c;
    int n = s->n < 4 ? s->n : 4;
    for (size_t i = 0; i < (size_t)n * image; i++)
        sum += s->images[i];
    for (int i = 0; i < n; i++)
        sum += (unsigned)s->labels[i] + (s->faces ? (unsigned)s->faces[i] : 0u);
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_h5_init();
    const char *path = fuzz_write("dataset", "data.h5", data, size);
    file_info(fuzz_devnull(), path);
    Dataset d;
    if (dataset_load(&d, path) == 0) {
        volatile unsigned sum = touch_split(&d.train) + touch_split(&d.test);
        (void)sum;
        split_check_geometry(&d.train, d.train.h, d.train.w, d.train.c, "fuzz", path);
        dataset_free(&d);
    }
    return 0;
}
