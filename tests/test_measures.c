/* test_measures.c - blur measures (MSE, PSNR, SSIM, power spectra, the
 * high-frequency ratio) and the PNG image grid. */
#include "image_grid.h"
#include "measures.h"
#include "rng.h"
#include "spectrum.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <math.h>
#include <stb_image.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef M_PI /* not in strict ISO C */
#define M_PI 3.14159265358979323846
#endif

/* ---- helpers ------------------------------------------------------------ */

/* img[H, W, C]: random 0/1 blocks of side `block`, a different pattern per
 * channel: sharp edges everywhere, like a real image only more so. */
static void random_blocks(float *img, int H, int W, int C, int block, uint64_t seed)
{
    Rng r;
    rng_seed(&r, seed, 0);
    int bh = (H + block - 1) / block, bw = (W + block - 1) / block;
    float *levels = malloc(sizeof(float) * bh * bw * C);
    for (int i = 0; i < bh * bw * C; i++)
        levels[i] = 0.1f + 0.8f * (float)rng_below(&r, 2);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < C; c++)
                img[(y * W + x) * C + c] = levels[((y / block) * bw + x / block) * C + c];
    free(levels);
}

static void add_noise(float *out, const float *img, int n, float sigma, uint64_t seed)
{
    Rng r;
    rng_seed(&r, seed, 1);
    for (int i = 0; i < n; i++)
        out[i] = img[i] + sigma * rng_normal(&r);
}

/* ---- MSE, PSNR, SSIM -------------------------------------------------- */

START_TEST(identical_images_are_perfect)
{
    enum { H = 28, W = 28, C = 1 };
    float a[H * W * C], b[H * W * C];
    random_blocks(a, H, W, C, 3, 1);
    memcpy(b, a, sizeof a);
    ck_assert_double_eq_tol(ssim(a, b, H, W, C), 1.0, 1e-9);
    ck_assert_double_eq(image_mse(a, b, H * W * C), 0.0);
    double p = psnr_db(image_mse(a, b, H * W * C));
    ck_assert(isinf(p) && p > 0);
    ck_assert_double_eq_tol(psnr_db(0.01), 20.0, 1e-12);
    ck_assert_double_eq_tol(psnr_db(1e-4), 40.0, 1e-12);
    ck_assert(isnan(psnr_db(-1.0)));

    /* A known MSE: every value off by 0.1 gives 0.01 and 20 dB. */
    for (int i = 0; i < H * W * C; i++)
        b[i] = a[i] + 0.1f;
    ck_assert_double_eq_tol(image_mse(a, b, H * W * C), 0.01, 1e-8);
    ck_assert_double_eq_tol(psnr_db(image_mse(a, b, H * W * C)), 20.0, 1e-5);
}
END_TEST

START_TEST(ssim_of_constant_images_is_the_luminance_term)
{
    /* With no variance SSIM reduces to (2 ma mb + C1)/(ma^2 + mb^2 + C1);
     * any error in the window weights (not summing to 1) shows here. */
    enum { H = 16, W = 20, C = 3 };
    float a[H * W * C], b[H * W * C];
    for (int i = 0; i < H * W * C; i++) {
        a[i] = 0.5f;
        b[i] = 0.7f;
    }
    double c1 = 0.01 * 0.01, ma = 0.5, mb = (double)0.7f;
    double expected = (2 * ma * mb + c1) / (ma * ma + mb * mb + c1);
    ck_assert_double_eq_tol(ssim(a, b, H, W, C), expected, 1e-9);
    ck_assert_double_lt(expected, 0.95);
}
END_TEST

START_TEST(ssim_matches_a_hand_computed_pixel)
{
    /* An 11x11 image has exactly one valid window, so SSIM is one formula
     * evaluation that we can redo here independently (2-D weights). */
    enum { N = 11 };
    float a[N * N], b[N * N];
    random_blocks(a, N, N, 1, 2, 5);
    add_noise(b, a, N * N, 0.1f, 6);
    double w[N][N], wsum = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double d2 = (i - 5) * (i - 5) + (j - 5) * (j - 5);
            w[i][j] = exp(-d2 / (2 * 1.5 * 1.5));
            wsum += w[i][j];
        }
    double ma = 0, mb = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            ma += w[i][j] / wsum * a[i * N + j];
            mb += w[i][j] / wsum * b[i * N + j];
        }
    double va = 0, vb = 0, cov = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double da = a[i * N + j] - ma, db = b[i * N + j] - mb;
            va += w[i][j] / wsum * da * da;
            vb += w[i][j] / wsum * db * db;
            cov += w[i][j] / wsum * da * db;
        }
    double c1 = 1e-4, c2 = 9e-4;
    double expected = (2 * ma * mb + c1) * (2 * cov + c2) /
                      ((ma * ma + mb * mb + c1) * (va + vb + c2));
    ck_assert_double_eq_tol(ssim(a, b, N, N, 1), expected, 1e-9);
}
END_TEST

START_TEST(ssim_window_shrinks_for_small_images)
{
    ck_assert_int_eq(ssim_window_size(28, 28), 11);
    ck_assert_int_eq(ssim_window_size(11, 64), 11);
    ck_assert_int_eq(ssim_window_size(10, 64), 9);
    ck_assert_int_eq(ssim_window_size(7, 5), 5);
    ck_assert_int_eq(ssim_window_size(2, 2), 1);
    /* Small images still give a finite value, 1 for identical ones. */
    float a[6 * 8], b[6 * 8];
    random_blocks(a, 6, 8, 1, 2, 9);
    add_noise(b, a, 6 * 8, 0.1f, 10);
    ck_assert_double_eq_tol(ssim(a, a, 6, 8, 1), 1.0, 1e-9);
    double s = ssim(a, b, 6, 8, 1);
    ck_assert(isfinite(s) && s < 0.99);
    ck_assert(isnan(ssim(a, b, 0, 8, 1)));
}
END_TEST

START_TEST(ssim_falls_with_noise_and_blur)
{
    enum { H = 32, W = 32, C = 3, N = H * W * C };
    static float a[N], b[N];
    random_blocks(a, H, W, C, 4, 2);

    double prev = ssim(a, a, H, W, C);
    const float sigmas[] = {0.02f, 0.05f, 0.1f, 0.2f, 0.4f};
    for (int k = 0; k < 5; k++) {
        add_noise(b, a, N, sigmas[k], 3);
        double s = ssim(a, b, H, W, C);
        ck_assert_double_lt(s, prev);
        ck_assert_double_eq_tol(ssim(b, a, H, W, C), s, 1e-12); /* symmetric */
        prev = s;
    }

    prev = 1.0;
    for (int radius = 1; radius <= 4; radius++) {
        box_blur(b, a, H, W, C, radius);
        double s = ssim(a, b, H, W, C);
        ck_assert_double_lt(s, prev);
        ck_assert_double_eq_tol(ssim(b, a, H, W, C), s, 1e-12);
        prev = s;
    }

    /* Against its own constant mean an image keeps only the luminance term
     * times C2 / (var + C2): near zero for a high-contrast image. */
    double mean = 0;
    for (int i = 0; i < N; i++)
        mean += a[i];
    mean /= N;
    for (int i = 0; i < N; i++)
        b[i] = (float)mean;
    ck_assert_double_lt(ssim(a, b, H, W, C), 0.1);
}
END_TEST

/* ---- power spectrum ----------------------------------------------------- */

START_TEST(sinusoid_peaks_in_its_bin)
{
    enum { H = 32, W = 32, K = 5 };
    float img[H * W];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            img[y * W + x] = (float)(0.5 + 0.25 * cos(2 * M_PI * K * x / W));
    double power[H * W];
    ck_assert_int_eq(power_spectrum_2d(power, img, H, W, 1), 0);
    /* X[0, +-K] = 0.25 H W / 2, everything else 0. */
    double peak = (0.25 * H * W / 2) * (0.25 * H * W / 2);
    for (int ky = 0; ky < H; ky++)
        for (int kx = 0; kx < W; kx++) {
            double expected = (ky == 0 && (kx == K || kx == W - K)) ? peak : 0.0;
            ck_assert_double_eq_tol(power[ky * W + kx], expected, 1e-6 * peak);
        }

    /* r = 5/32 = 0.156 cycles/pixel; 17 bins of width 0.5/17 put it in bin 5. */
    int nb = spectrum_bins(H, W);
    ck_assert_int_eq(nb, 17);
    double radial[17];
    ck_assert_int_eq(radial_spectrum(radial, nb, power, H, W), 0);
    int best = 0;
    for (int b = 1; b < nb; b++)
        if (radial[b] > radial[best])
            best = b;
    ck_assert_int_eq(best, 5);
    for (int b = 0; b < nb; b++)
        if (b != 5)
            ck_assert_double_lt(radial[b], 1e-6 * peak);

    /* A vertical sinusoid at ky = 3 on a non-square image. */
    enum { H2 = 24, W2 = 40 };
    float img2[H2 * W2];
    double power2[H2 * W2];
    for (int y = 0; y < H2; y++)
        for (int x = 0; x < W2; x++)
            img2[y * W2 + x] = (float)sin(2 * M_PI * 3 * y / H2);
    ck_assert_int_eq(power_spectrum_2d(power2, img2, H2, W2, 1), 0);
    double peak2 = (H2 * W2 / 2.0) * (H2 * W2 / 2.0);
    ck_assert_double_eq_tol(power2[3 * W2], peak2, 1e-6 * peak2);
    ck_assert_double_eq_tol(power2[(H2 - 3) * W2], peak2, 1e-6 * peak2);
    ck_assert_double_lt(power2[3 * W2 + 1], 1e-6 * peak2);
}
END_TEST

START_TEST(spectrum_matches_a_direct_dft_and_parseval)
{
    /* Odd and even sizes, several channels: against the DFT sum written out. */
    const int sizes[][2] = {{5, 7}, {6, 9}, {8, 4}, {1, 6}};
    for (int s = 0; s < 4; s++) {
        const int H = sizes[s][0], W = sizes[s][1], C = 3;
        float img[9 * 9 * 3];
        double power[9 * 9];
        Rng r;
        rng_seed(&r, 11 + s, 0);
        for (int i = 0; i < H * W * C; i++)
            img[i] = rng_uniform(&r);
        ck_assert_int_eq(power_spectrum_2d(power, img, H, W, C), 0);

        double energy = 0, total = 0;
        for (int ky = 0; ky < H; ky++)
            for (int kx = 0; kx < W; kx++) {
                double expected = 0;
                for (int c = 0; c < C; c++) {
                    double mean = 0;
                    for (int i = 0; i < H * W; i++)
                        mean += img[i * C + c];
                    mean /= H * W;
                    double re = 0, im = 0;
                    for (int y = 0; y < H; y++)
                        for (int x = 0; x < W; x++) {
                            double v = img[(y * W + x) * C + c] - mean;
                            double a = 2 * M_PI * ((double)ky * y / H + (double)kx * x / W);
                            re += v * cos(a);
                            im -= v * sin(a);
                        }
                    expected += re * re + im * im;
                    if (ky == 0 && kx == 0)
                        for (int i = 0; i < H * W; i++)
                            energy += (img[i * C + c] - mean) * (img[i * C + c] - mean);
                }
                ck_assert_double_eq_tol(power[ky * W + kx], expected, 1e-9);
                total += power[ky * W + kx];
            }
        ck_assert_double_eq_tol(power[0], 0.0, 1e-9); /* mean removed */
        ck_assert_double_eq_tol(total, (double)H * W * energy, 1e-9 * total);
    }

    /* Parseval at a realistic size, with a constant offset that must vanish. */
    enum { H = 28, W = 28, C = 1 };
    float img[H * W];
    double power[H * W];
    random_blocks(img, H, W, C, 3, 4);
    double mean = 0, energy = 0, total = 0;
    for (int i = 0; i < H * W; i++)
        mean += img[i];
    mean /= H * W;
    for (int i = 0; i < H * W; i++)
        energy += (img[i] - mean) * (img[i] - mean);
    ck_assert_int_eq(power_spectrum_2d(power, img, H, W, C), 0);
    for (int i = 0; i < H * W; i++)
        total += power[i];
    ck_assert_double_eq_tol(total, H * W * energy, 1e-10 * total);
}
END_TEST

START_TEST(radial_binning_and_hf_ratio_follow_their_definitions)
{
    enum { H = 32, W = 32 };
    static double power[H * W];
    double radial[17];
    /* A corner (16, 16), r = 0.707, lies beyond Nyquist and is dropped. */
    power[16 * W + 16] = 1.0;
    ck_assert_int_eq(radial_spectrum(radial, 17, power, H, W), 0);
    for (int b = 0; b < 17; b++)
        ck_assert_double_eq(radial[b], 0.0);
    /* (0, 16), r = 0.5 exactly, belongs to the last bin; the last bin's
     * mean divides by its member count, so compare against a count. */
    power[16 * W + 16] = 0.0;
    power[16] = 1.0;
    ck_assert_int_eq(radial_spectrum(radial, 4, power, H, W), 0);
    ck_assert_double_gt(radial[3], 0.0);
    ck_assert_double_eq(radial[0] + radial[1] + radial[2], 0.0);
    /* With one bin covering everything up to Nyquist, the mean is over the
     * disc r <= 0.5: 1 / (number of DFT bins in it). */
    int in_disc = 0;
    for (int ky = 0; ky < H; ky++)
        for (int kx = 0; kx < W; kx++) {
            double fy = (ky <= H / 2 ? ky : ky - H) / (double)H;
            double fx = (kx <= W / 2 ? kx : kx - W) / (double)W;
            in_disc += fx * fx + fy * fy <= 0.25;
        }
    ck_assert_int_eq(radial_spectrum(radial, 1, power, H, W), 0);
    ck_assert_double_eq_tol(radial[0], 1.0 / in_disc, 1e-15);
    ck_assert_int_eq(radial_spectrum(radial, 0, power, H, W), -1);

    /* 4 bins: centres 0.0625, 0.1875, 0.3125, 0.4375; the last two count. */
    ck_assert_double_eq_tol(spectrum_bin_centre(2, 4), 0.3125, 1e-15);
    const double model[4] = {9, 9, 1, 2}, data[4] = {0, 0, 2, 4};
    ck_assert_double_eq_tol(hf_energy_ratio(model, data, 4), 0.5, 1e-15);
    ck_assert_double_eq_tol(hf_energy_ratio(data, data, 4), 1.0, 1e-15);
    const double flat[4] = {1, 1, 0, 0};
    ck_assert(isnan(hf_energy_ratio(model, flat, 4)));
    /* 15 bins (28x28): centres (b + 0.5)/30, so bins 8..14 are high. */
    double m15[15] = {0}, d15[15] = {0};
    m15[7] = 100;
    d15[7] = 1;
    m15[8] = 3;
    d15[8] = 6;
    ck_assert_double_eq_tol(hf_energy_ratio(m15, d15, 15), 0.5, 1e-15);
    /* 3 bins: the middle centre is exactly 0.25, which is not above it. */
    const double m3[3] = {0, 5, 1}, d3[3] = {0, 1, 4};
    ck_assert_double_eq_tol(hf_energy_ratio(m3, d3, 3), 0.25, 1e-15);
}
END_TEST

START_TEST(blur_lowers_hf_ratio_and_ssim)
{
    enum { H = 64, W = 64, C = 1 };
    static float sharp[H * W * C], blurred[H * W * C];
    random_blocks(sharp, H, W, C, 2, 7);
    box_blur(blurred, sharp, H, W, C, 1);

    int nb = spectrum_bins(H, W);
    double radial_sharp[33], radial_blur[33];
    static double power[H * W];
    ck_assert_int_eq(power_spectrum_2d(power, sharp, H, W, C), 0);
    ck_assert_int_eq(radial_spectrum(radial_sharp, nb, power, H, W), 0);
    ck_assert_int_eq(power_spectrum_2d(power, blurred, H, W, C), 0);
    ck_assert_int_eq(radial_spectrum(radial_blur, nb, power, H, W), 0);

    ck_assert_double_eq_tol(hf_energy_ratio(radial_sharp, radial_sharp, nb), 1.0, 1e-12);
    double ratio = hf_energy_ratio(radial_blur, radial_sharp, nb);
    ck_assert_double_lt(ratio, 0.5); /* a 3x3 box keeps little above fs/4 */
    ck_assert_double_gt(ratio, 0.0);
    ck_assert_double_lt(ssim(sharp, blurred, H, W, C), ssim(sharp, sharp, H, W, C) - 0.05);
}
END_TEST

START_TEST(accumulator_gives_the_mean_spectrum)
{
    enum { H = 12, W = 10, C = 3, N = 4 };
    static float imgs[N][H * W * C];
    static double power[H * W], expected[H * W], mean_power[H * W];
    SpectrumAccum acc;
    ck_assert_int_eq(spectrum_accum_init(&acc, H, W, C), 0);
    double radial[6];
    ck_assert_int_eq(spectrum_accum_radial(radial, 6, &acc), -1); /* nothing added */
    for (int n = 0; n < N; n++) {
        random_blocks(imgs[n], H, W, C, 1 + n, 20 + n);
        spectrum_accum_add(&acc, imgs[n]);
        ck_assert_int_eq(power_spectrum_2d(power, imgs[n], H, W, C), 0);
        for (int i = 0; i < H * W; i++)
            expected[i] += power[i] / N;
    }
    spectrum_accum_mean_power(mean_power, &acc);
    for (int i = 0; i < H * W; i++)
        ck_assert_double_eq_tol(mean_power[i], expected[i], 1e-9);
    double radial_expected[6];
    ck_assert_int_eq(radial_spectrum(radial_expected, 6, expected, H, W), 0);
    ck_assert_int_eq(spectrum_accum_radial(radial, 6, &acc), 0);
    for (int b = 0; b < 6; b++)
        ck_assert_double_eq_tol(radial[b], radial_expected[b], 1e-9);
    spectrum_accum_free(&acc);
    ck_assert_int_eq(spectrum_accum_init(&acc, 0, W, C), -1);
}
END_TEST

/* ---- image grid --------------------------------------------------------- */

/* Pixel value of image i at (y, x, c) in the test images below, and the
 * byte it must become: (k + 0.6) / 255 rounds up to k + 1 (truncating would
 * give k). */
static int grid_test_byte(int i, int y, int x, int c)
{
    return (i * 37 + y * 11 + x * 5 + c * 60) % 255 + 1;
}
static float grid_test_value(int i, int y, int x, int c)
{
    return ((float)grid_test_byte(i, y, x, c) - 0.4f) / 255.0f;
}

static void check_grid(const char *dir, int C)
{
    enum { N = 6, H = 4, W = 5, COLS = 3, SCALE = 2 };
    float images[N * H * W * 3];
    for (int i = 0; i < N; i++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int c = 0; c < C; c++)
                    images[((i * H + y) * W + x) * C + c] = grid_test_value(i, y, x, c);
    images[0] = -0.5f;    /* clamped to 0 */
    images[C] = 1.5f;     /* clamped to 255 */
    images[2 * C] = NAN;  /* shown as 0 */

    char path[512];
    snprintf(path, sizeof path, "%s/grid%d.png", dir, C);
    ck_assert_int_eq(image_grid_write_png(path, images, N, H, W, C, COLS, SCALE), 0);
    /* Overwriting is allowed. */
    ck_assert_int_eq(image_grid_write_png(path, images, N, H, W, C, COLS, SCALE), 0);

    int gw, gh, comp;
    unsigned char *png = stbi_load(path, &gw, &gh, &comp, 0);
    ck_assert_ptr_nonnull(png);
    ck_assert_int_eq(comp, C);
    ck_assert_int_eq(gw, COLS * (W * SCALE + 1) + 1); /* 34 */
    ck_assert_int_eq(gh, 2 * (H * SCALE + 1) + 1);    /* 19 */
    int sh, sw;
    ck_assert_int_eq(image_grid_size(&sh, &sw, N, H, W, COLS, SCALE), 0);
    ck_assert_int_eq(sh, gh);
    ck_assert_int_eq(sw, gw);

    /* Every pixel: border grey, or the replicated image pixel. */
    for (int gy = 0; gy < gh; gy++)
        for (int gx = 0; gx < gw; gx++)
            for (int c = 0; c < C; c++) {
                int got = png[(gy * gw + gx) * C + c];
                int cy = gy % (H * SCALE + 1), cx = gx % (W * SCALE + 1);
                if (cy == 0 || cx == 0) {
                    ck_assert_int_eq(got, 128); /* documented mid-grey */
                    continue;
                }
                int i = (gy / (H * SCALE + 1)) * COLS + gx / (W * SCALE + 1);
                int y = (cy - 1) / SCALE, x = (cx - 1) / SCALE;
                int expected = grid_test_byte(i, y, x, c);
                if (i == 0 && y == 0 && (x == 0 || x == 2) && c == 0)
                    expected = 0;
                if (i == 0 && y == 0 && x == 1 && c == 0)
                    expected = 255;
                ck_assert_int_eq(got, expected);
            }
    /* Spot checks with the formula written out: image 4 (row 1, col 1),
     * pixel (2, 3) at grid (1 + 9 + 4, 1 + 11 + 6) = (14, 18) and (15, 19). */
    int v = grid_test_byte(4, 2, 3, 0);
    ck_assert_int_eq(png[(14 * gw + 18) * C], v);
    ck_assert_int_eq(png[(15 * gw + 19) * C], v);
    ck_assert_int_eq(png[(9 * gw + 18) * C], GRID_BORDER_VALUE); /* between rows */
    stbi_image_free(png);
    unlink(path);
}

START_TEST(grid_png_has_the_documented_layout)
{
    char dir[256];
    tmpdir_make(dir, sizeof dir, "grid");
    check_grid(dir, 1);
    check_grid(dir, 3);

    /* A last row with empty cells stays grey there. */
    float one[2 * 2] = {1, 1, 1, 1};
    char path[512];
    snprintf(path, sizeof path, "%s/partial.png", dir);
    float two[2 * 4] = {1, 1, 1, 1, 1, 1, 1, 1};
    ck_assert_int_eq(image_grid_write_png(path, two, 2, 2, 2, 1, 3, 1), 0);
    int gw, gh, comp;
    unsigned char *png = stbi_load(path, &gw, &gh, &comp, 0);
    ck_assert_ptr_nonnull(png);
    ck_assert_int_eq(gw, 10);
    ck_assert_int_eq(gh, 4);
    ck_assert_int_eq(png[1 * gw + 1], 255);    /* image 0 */
    ck_assert_int_eq(png[1 * gw + 4], 255);    /* image 1 */
    ck_assert_int_eq(png[1 * gw + 7], GRID_BORDER_VALUE); /* empty cell */
    stbi_image_free(png);
    unlink(path);

    /* A missing directory fails and leaves nothing anywhere. */
    snprintf(path, sizeof path, "%s/missing/grid.png", dir);
    ck_assert_int_eq(image_grid_write_png(path, one, 1, 2, 2, 1, 1, 1), -1);
    ck_assert_int_eq(dir_entry_count(dir), 0);
    /* Unsupported channel counts and bad layouts fail before writing. */
    snprintf(path, sizeof path, "%s/bad.png", dir);
    ck_assert_int_eq(image_grid_write_png(path, one, 1, 1, 2, 2, 1, 1), -1);
    ck_assert_int_eq(image_grid_write_png(path, one, 1, 2, 2, 1, 0, 1), -1);
    ck_assert_int_eq(image_grid_write_png(path, one, 1, 2, 2, 1, 1, 100000), -1);
    ck_assert_int_eq(dir_entry_count(dir), 0);
    tmpdir_remove(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("measures");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, identical_images_are_perfect);
    tcase_add_test(tc, ssim_of_constant_images_is_the_luminance_term);
    tcase_add_test(tc, ssim_matches_a_hand_computed_pixel);
    tcase_add_test(tc, ssim_window_shrinks_for_small_images);
    tcase_add_test(tc, ssim_falls_with_noise_and_blur);
    tcase_add_test(tc, sinusoid_peaks_in_its_bin);
    tcase_add_test(tc, spectrum_matches_a_direct_dft_and_parseval);
    tcase_add_test(tc, radial_binning_and_hf_ratio_follow_their_definitions);
    tcase_add_test(tc, blur_lowers_hf_ratio_and_ssim);
    tcase_add_test(tc, accumulator_gives_the_mean_spectrum);
    tcase_add_test(tc, grid_png_has_the_documented_layout);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
