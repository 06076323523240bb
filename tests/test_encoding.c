/* test_encoding.c - coordinates, Fourier features, frequency tables and the
 * data-driven spectrum encoding. */
#include "encoding.h"
#include "util.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

START_TEST(coord_grid_gives_pixel_centres)
{
    const int H = 3, W = 4;
    float v[3 * 4 * 2], centred[3 * 4 * 2];
    coord_grid(v, H, W);
    for (int i = 0; i < H; i++)
        for (int j = 0; j < W; j++) {
            int p = i * W + j;
            ck_assert_float_eq_tol(v[2 * p], (j + 0.5f) / W, 1e-7f);
            ck_assert_float_eq_tol(v[2 * p + 1], (i + 0.5f) / H, 1e-7f);
        }
    centred_coords(centred, v, H * W);
    ck_assert_float_eq_tol(centred[0], 2 * 0.125f - 1, 1e-7f);   /* x of pixel (0, 0) */
    ck_assert_float_eq_tol(centred[1], 2 * (0.5f / 3) - 1, 1e-7f);
    ck_assert_float_eq_tol(centred[2 * 11], 2 * 0.875f - 1, 1e-7f); /* x of the last pixel */
    for (int k = 0; k < 2 * H * W; k++) {
        ck_assert_float_eq_tol(centred[k], 2 * v[k] - 1, 1e-7f);
        ck_assert(centred[k] > -1 && centred[k] < 1);
    }
}
END_TEST

START_TEST(fourier_features_match_direct_formula)
{
    const int H = 28, W = 20, P = H * W, F = 33;
    float *v = alloc_or_fail((size_t)P * 2, sizeof *v);
    float *B = alloc_or_fail((size_t)F * 2, sizeof *B);
    float *gamma = alloc_or_fail((size_t)P * 2 * F, sizeof *gamma);
    Rng r;
    rng_seed(&r, 5, 0);
    gaussian_frequencies(B, F, 25.0f, &r); /* large frequencies: many turns per image */
    coord_grid(v, H, W);
    fourier_features(gamma, v, B, P, F);
    double worst = 0;
    for (int p = 0; p < P; p++)
        for (int f = 0; f < F; f++) {
            double angle = 2 * M_PI * ((double)v[2 * p] * B[2 * f] + (double)v[2 * p + 1] * B[2 * f + 1]);
            double es = fabs(gamma[(size_t)p * 2 * F + f] - sin(angle));
            double ec = fabs(gamma[(size_t)p * 2 * F + F + f] - cos(angle));
            worst = fmax(worst, fmax(es, ec));
        }
    ck_assert_double_le(worst, 3e-6);
    free(v), free(B), free(gamma);
}
END_TEST

START_TEST(basic_and_positional_tables)
{
    float B[4];
    basic_frequencies(B);
    ck_assert_float_eq(B[0], 1); ck_assert_float_eq(B[1], 0);
    ck_assert_float_eq(B[2], 0); ck_assert_float_eq(B[3], 1);

    float P[2 * 8];
    positional_frequencies(P, 4, 8.0f); /* 1, 2, 4, 8 on x, then on y */
    const float f[4] = {1, 2, 4, 8};
    for (int j = 0; j < 4; j++) {
        ck_assert_float_eq_tol(P[2 * j], f[j], 1e-5f);
        ck_assert_float_eq(P[2 * j + 1], 0);
        ck_assert_float_eq(P[2 * (4 + j)], 0);
        ck_assert_float_eq_tol(P[2 * (4 + j) + 1], f[j], 1e-5f);
    }
    float one[4];
    positional_frequencies(one, 1, 100.0f);
    ck_assert_float_eq(one[0], 1); ck_assert_float_eq(one[1], 0);
    ck_assert_float_eq(one[2], 0); ck_assert_float_eq(one[3], 1);
}
END_TEST

START_TEST(gaussian_frequencies_have_sigma_spread)
{
    const int F = 20000;
    const float sigma = 10.0f;
    float *B = alloc_or_fail((size_t)F * 2, sizeof *B), *again = alloc_or_fail((size_t)F * 2, sizeof *B);
    Rng r;
    rng_seed(&r, 11, 3);
    gaussian_frequencies(B, F, sigma, &r);
    for (int axis = 0; axis < 2; axis++) {
        double s = 0, s2 = 0;
        for (int f = 0; f < F; f++) {
            s += B[2 * f + axis];
            s2 += (double)B[2 * f + axis] * B[2 * f + axis];
        }
        double mean = s / F, sd = sqrt(s2 / F - mean * mean);
        ck_assert_double_lt(fabs(mean), 0.3);        /* 4 standard errors: σ/√F = 0.07 */
        ck_assert_double_lt(fabs(sd - sigma), 0.25);  /* ~5 standard errors of sd */
    }
    rng_seed(&r, 11, 3);
    gaussian_frequencies(again, F, sigma, &r);
    for (int k = 0; k < 2 * F; k++)
        ck_assert_float_eq(B[k], again[k]);
    free(B), free(again);
}
END_TEST

/* N images [N, H, W, C] of 127.5 + 127.5·wave, rounded to uint8. */
static uint8_t *wave_images(int N, int H, int W, int C, int kx, int ky)
{
    uint8_t *img = alloc_or_fail((size_t)N * H * W * C, 1);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < H; i++)
            for (int j = 0; j < W; j++)
                for (int c = 0; c < C; c++) {
                    double x = (j + 0.5) / W, y = (i + 0.5) / H;
                    /* each image and channel with its own phase: power does not depend on it */
                    double phase = 0.7 * n + 1.3 * c;
                    double value = 127.5 + 127.5 * cos(2 * M_PI * (kx * x + ky * y) + phase);
                    img[(((size_t)n * H + i) * W + j) * C + c] = (uint8_t)lround(value);
                }
    return img;
}

/* Asserts the spectrum is concentrated at (ky, kx) and its mirror: the wave
 * 0.5·cos (in [0, 1] units) puts 0.25 of normalised DFT amplitude, so a power
 * of 0.0625, in each of the two bins. */
static void assert_single_peak(const double *power, int H, int W, int kx, int ky)
{
    int mirror_kx = (W - kx) % W, mirror_ky = (H - ky) % H;
    for (int i = 0; i < H; i++)
        for (int j = 0; j < W; j++) {
            double p = power[(size_t)i * W + j];
            int peak = (i == ky && j == kx) || (i == mirror_ky && j == mirror_kx);
            if (peak)
                ck_assert_double_eq_tol(p, 0.0625, 0.0625 * 0.02);
            else
                ck_assert_msg(p < 1e-5, "power %g at (ky %d, kx %d) away from the peak", p, i, j);
        }
}

START_TEST(power_spectrum_of_a_sinusoid_peaks_at_its_frequency)
{
    /* cos(2π·3x) on 16×16: bins kx = 3 and 13, ky = 0 */
    uint8_t *img = wave_images(2, 16, 16, 3, 3, 0);
    double *power = alloc_or_fail(16 * 16, sizeof *power);
    ck_assert_int_eq(mean_power_spectrum(power, img, 2, 16, 16, 3), 0);
    assert_single_peak(power, 16, 16, 3, 0);
    free(img), free(power);

    /* non-square, wave along y: catches a swapped axis */
    img = wave_images(1, 8, 16, 1, 0, 2);
    power = alloc_or_fail(8 * 16, sizeof *power);
    ck_assert_int_eq(mean_power_spectrum(power, img, 1, 8, 16, 1), 0);
    assert_single_peak(power, 8, 16, 0, 2);
    free(img), free(power);
}
END_TEST

START_TEST(power_spectrum_sums_to_pixel_variance)
{
    /* Parseval with the normalised DFT: Σ power = mean over images and channels
     * of each plane's variance. Random images, odd sizes. */
    const int N = 3, H = 9, W = 12, C = 2;
    uint8_t *img = alloc_or_fail((size_t)N * H * W * C, 1);
    Rng r;
    rng_seed(&r, 2, 2);
    for (size_t k = 0; k < (size_t)N * H * W * C; k++)
        img[k] = (uint8_t)rng_below(&r, 256);
    double *power = alloc_or_fail((size_t)H * W, sizeof *power);
    ck_assert_int_eq(mean_power_spectrum(power, img, N, H, W, C), 0);
    double total = 0, variance = 0;
    for (int k = 0; k < H * W; k++)
        total += power[k];
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) {
            double s = 0, s2 = 0;
            for (int p = 0; p < H * W; p++) {
                double x = img[((size_t)n * H * W + p) * C + c] / 255.0;
                s += x, s2 += x * x;
            }
            variance += s2 / (H * W) - (s / (H * W)) * (s / (H * W));
        }
    variance /= N * C;
    ck_assert_double_eq_tol(total, variance, 1e-9);
    ck_assert_double_lt(power[0], 1e-20); /* the mean was removed */
    free(img), free(power);
}
END_TEST

START_TEST(power_spectrum_handles_a_512_image_quickly)
{
    const int S = 512;
    uint8_t *img = wave_images(1, S, S, 1, 40, 7);
    double *power = alloc_or_fail((size_t)S * S, sizeof *power);
    double t0 = now_seconds();
    ck_assert_int_eq(mean_power_spectrum(power, img, 1, S, S, 1), 0);
    double seconds = now_seconds() - t0;
    printf("mean_power_spectrum 512x512: %.2f s\n", seconds);
    assert_single_peak(power, S, S, 40, 7);
    ck_assert_double_lt(seconds, 20.0); /* generous: sanitizer builds are slower */
    free(img), free(power);
}
END_TEST

START_TEST(spectrum_frequencies_follow_the_power)
{
    const int H = 16, W = 16, F = 2000;
    uint8_t *img = wave_images(1, H, W, 1, 3, 0);
    double *power = alloc_or_fail((size_t)H * W, sizeof *power);
    ck_assert_int_eq(mean_power_spectrum(power, img, 1, H, W, 1), 0);
    float *B = alloc_or_fail((size_t)F * 2, sizeof *B), *again = alloc_or_fail((size_t)F * 2, sizeof *B);
    Rng r;
    rng_seed(&r, 9, 1);
    ck_assert_int_eq(spectrum_frequencies(B, F, power, H, W, &r), 0);
    int positive = 0, negative = 0;
    float lo = INFINITY, hi = -INFINITY;
    for (int f = 0; f < F; f++) {
        float fx = B[2 * f], fy = B[2 * f + 1];
        ck_assert_msg(fabsf(fabsf(fx) - 3.0f) <= 0.5f, "fx = %g", fx);
        ck_assert_msg(fabsf(fy) <= 0.5f, "fy = %g", fy);
        positive += fx > 0, negative += fx < 0;
        lo = fminf(lo, fx - (fx > 0 ? 3.0f : -3.0f)), hi = fmaxf(hi, fx - (fx > 0 ? 3.0f : -3.0f));
    }
    /* both mirror bins (kx = 3 → +3, kx = 13 → −3) are drawn about equally */
    ck_assert_int_gt(positive, F / 2 - 150);
    ck_assert_int_gt(negative, F / 2 - 150);
    /* the jitter covers its ±0.5 range */
    ck_assert_float_lt(lo, -0.45f);
    ck_assert_float_gt(hi, 0.45f);

    rng_seed(&r, 9, 1);
    ck_assert_int_eq(spectrum_frequencies(again, F, power, H, W, &r), 0);
    for (int k = 0; k < 2 * F; k++)
        ck_assert_float_eq(B[k], again[k]);
    rng_seed(&r, 10, 1);
    ck_assert_int_eq(spectrum_frequencies(again, F, power, H, W, &r), 0);
    int same = 0;
    for (int k = 0; k < 2 * F; k++)
        same += B[k] == again[k];
    ck_assert_int_lt(same, 10);
    free(img), free(power), free(B), free(again);
}
END_TEST

START_TEST(spectrum_frequencies_refuse_a_flat_spectrum)
{
    double power[4 * 4] = {5.0}; /* only DC, which is excluded */
    float B[2 * 3];
    Rng r;
    rng_seed(&r, 1, 1);
    ck_assert_int_eq(spectrum_frequencies(B, 3, power, 4, 4, &r), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("encoding");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, coord_grid_gives_pixel_centres);
    tcase_add_test(tc, fourier_features_match_direct_formula);
    tcase_add_test(tc, basic_and_positional_tables);
    tcase_add_test(tc, gaussian_frequencies_have_sigma_spread);
    tcase_add_test(tc, power_spectrum_of_a_sinusoid_peaks_at_its_frequency);
    tcase_add_test(tc, power_spectrum_sums_to_pixel_variance);
    tcase_add_test(tc, power_spectrum_handles_a_512_image_quickly);
    tcase_add_test(tc, spectrum_frequencies_follow_the_power);
    tcase_add_test(tc, spectrum_frequencies_refuse_a_flat_spectrum);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
