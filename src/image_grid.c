/* image_grid.c - grid layout of images and atomic PNG output (see image_grid.h). */
#include "image_grid.h"

#include "util.h"

#include <math.h>
#include <stb_image_write.h>
#include <stdlib.h>
#include <string.h>

int image_grid_size(int *grid_h, int *grid_w, int n, int H, int W, int cols, int scale)
{
    if (n < 1 || H < 1 || W < 1 || cols < 1 || scale < 1) {
        ffvae_error("image grid: bad layout (n %d, size %dx%d, cols %d, scale %d)", n, H, W,
                    cols, scale);
        return -1;
    }
    long rows = (n + (long)cols - 1) / cols;
    /* long arithmetic: each factor is an int, so no product overflows here. */
    long gh = rows * ((long)H * scale + 1) + 1;
    long gw = (long)cols * ((long)W * scale + 1) + 1;
    if (gh > GRID_MAX_SIDE || gw > GRID_MAX_SIDE) {
        ffvae_error("image grid: %ldx%ld pixels is too large (max %d a side)", gh, gw,
                    GRID_MAX_SIDE);
        return -1;
    }
    *grid_h = (int)gh;
    *grid_w = (int)gw;
    return 0;
}

static uint8_t to_byte(float v)
{
    if (!(v > 0.0f)) /* also catches NaN */
        return 0;
    if (v >= 1.0f)
        return 255;
    return (uint8_t)lrintf(v * 255.0f);
}

void image_grid_fill(uint8_t *grid, const float *images, int n, int H, int W, int C,
                     int cols, int scale)
{
    int gh, gw;
    if (image_grid_size(&gh, &gw, n, H, W, cols, scale) != 0)
        return;
    const size_t grid_row = (size_t)gw * C;
    memset(grid, GRID_BORDER_VALUE, (size_t)gh * grid_row);
    for (int i = 0; i < n; i++) {
        const float *img = images + (size_t)i * H * W * C; // [H, W, C]
        size_t top = 1 + (size_t)(i / cols) * ((size_t)H * scale + 1);
        size_t left = 1 + (size_t)(i % cols) * ((size_t)W * scale + 1);
        for (int y = 0; y < H; y++) {
            /* Build the first replicated row, then copy it scale - 1 times. */
            uint8_t *first = grid + (top + (size_t)y * scale) * grid_row + left * C;
            for (int x = 0; x < W; x++)
                for (int s = 0; s < scale; s++)
                    for (int c = 0; c < C; c++)
                        first[((size_t)x * scale + s) * C + c] =
                            to_byte(img[((size_t)y * W + x) * C + c]);
            for (int s = 1; s < scale; s++)
                memcpy(first + (size_t)s * grid_row, first, (size_t)W * scale * C);
        }
    }
}

int image_grid_write_png(const char *path, const float *images, int n, int H, int W, int C,
                         int cols, int scale)
{
    if (C != 1 && C != 3) {
        ffvae_error("%s: cannot write a %d-channel image grid (1 or 3)", path, C);
        return -1;
    }
    int gh, gw;
    if (image_grid_size(&gh, &gw, n, H, W, cols, scale) != 0)
        return -1;
    OutputFile out;
    if (output_begin(&out, path, 1) != 0)
        return -1;
    uint8_t *grid = checked_malloc((size_t)gh * gw, (size_t)C, "image grid");
    if (!grid)
        return -1;
    image_grid_fill(grid, images, n, H, W, C, cols, scale);
    int ok = stbi_write_png(out.tmp_path, gw, gh, C, grid, gw * C);
    free(grid);
    if (!ok) {
        ffvae_error("%s: cannot write PNG to %s", path, out.tmp_path);
        output_abort(&out);
        return -1;
    }
    return output_commit(&out);
}

void images_to_float(float *out, const uint8_t *in, int n, int H, int W, int C, int Hs, int Ws)
{
    for (int i = 0; i < n; i++) {
        const uint8_t *src = in + (size_t)i * H * W * C;
        float *dst = out + (size_t)i * Hs * Ws * C;
        for (int y = 0; y < Hs; y++) {
            int sy = (int)((long)y * H / Hs);
            for (int x = 0; x < Ws; x++) {
                int sx = (int)((long)x * W / Ws);
                for (int c = 0; c < C; c++)
                    dst[((size_t)y * Ws + x) * C + c] =
                        src[((size_t)sy * W + sx) * C + c] * (1.0f / 255.0f);
            }
        }
    }
}
