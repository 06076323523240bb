/* fuzz_checkpoint.c - libFuzzer harness for the checkpoint loader
 * (src/checkpoint.c, src/model_io.c, src/h5util.c, libhdf5 behind them; see
 * fuzz_h5.h for what is protected).
 *
 * The input is written to a file and read as `ffvae info FILE` reads it
 * (file_info: the format attribute, then checkpoint_load with the training
 * state) and as `ffvae sample|eval|recon CKPT` do (checkpoint_load of the
 * model alone), then the loaded parameters are read through. */
#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "fuzz_h5.h"
#include "info.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_h5_init();
    const char *path = fuzz_write("checkpoint", "checkpoint.h5", data, size);
    file_info(fuzz_devnull(), path);
    Model m;
    if (checkpoint_load(path, &m, NULL) == 0) {
        volatile float sum = 0;
        for (size_t i = 0; i < m.table.total; i++)
            sum += m.params[i];
        (void)sum;
        model_free(&m);
    }
    return 0;
}
