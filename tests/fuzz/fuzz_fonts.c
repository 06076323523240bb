/* fuzz_fonts.c - libFuzzer harness for the glyph importer (src/import_fonts.c,
 * stb_truetype behind it): `ffvae import fonts DIR`, whose work per font file
 * is read it whole (at most 64 MiB), count its faces, and for each face
 * initialise it, read its names and metrics, and render the character set.
 *
 * The input is written as the one .ttf file of a folder and imported from
 * that folder with the default character set, at 32x32 pixels rather than
 * the default 64 (the same code; a quarter of the rasterising per glyph).
 *
 * stb_truetype trusts the offsets in a font, so the importer reads each file
 * first in a child process under limits (import_fonts.c, h5check.h): as for
 * the HDF5 harnesses (fuzz_h5.h), the default is the protected path the user
 * gets, and FFVAE_FUZZ_CHILD_CHECK=0 fuzzes stb_truetype unprotected. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_h5.h"
#include "import_fonts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_h5_init();
    fuzz_write("fonts", "input.ttf", data, size);
    const char *dirs[1] = {fuzz_dir("fonts")};
    FontImportOptions o = {.size = 32, .chars = FONT_DEFAULT_CHARS, .test_fraction = 0.0f,
                           .seed = 1, .limit = -1};
    Dataset d = {0};
    FontImportCounts k;
    if (import_fonts(&d, dirs, 1, &o, &k) == 0)
        dataset_free(&d);
    return 0;
}
