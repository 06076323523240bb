/* fuzz_image.c - libFuzzer harness for the image loader (src/import_images.c,
 * stb_image and stb_image_resize behind it).
 *
 * The input is written as the one file of a folder and imported as
 * `ffvae import images DIR --size 28` does (import_images: the header is read
 * and checked against the pixel limit before any decoding, then decoded,
 * centre-cropped and resized); then loaded once more through
 * image_load_square_limited at the crop's own size, the path `ffvae fit` and
 * `score` take (its output side is bounded by the limit too). stb_image
 * picks the decoder from the content, so PNG, JPEG, GIF, BMP, TGA, PSD, PNM
 * and HDR are all reached whatever the file's name.
 *
 * The pixel limit is the importer's own check with a smaller value than the
 * default (50 000 000): FFVAE_FUZZ_MAX_PIXELS, 4 000 000 unless set. What is
 * tested is that nothing is decoded or allocated beyond the limit; the work
 * below it grows linearly with the pixels, and at the default limit one
 * sanitized decode takes seconds, which would spend the campaign on a few
 * large valid images. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"
#include "import_images.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static long long max_pixels;
    if (!max_pixels)
        max_pixels = fuzz_env("FFVAE_FUZZ_MAX_PIXELS", 4000000);
    const char *path = fuzz_write("image", "input.png", data, size);

    Dataset d = {0};
    ImageImportOptions o = {.size = 28, .gray = (int)(size & 1), .test_fraction = 0.0f,
                            .seed = 1, .limit = -1, .max_pixels = max_pixels};
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", fuzz_dir("image"));
    if (import_images(&d, dir, &o) == 0)
        dataset_free(&d);

    uint8_t *img;
    int side, channels;
    if (image_load_square_limited(path, 0, 0, max_pixels, &img, &side, &channels) == 0)
        free(img);
    return 0;
}
