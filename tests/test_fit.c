/* test_fit.c - `ffvae fit`'s pieces: the published holdout split, the noise
 * image, sweep keys, the protocol's refusals, and that Gaussian Fourier
 * features fit an image of fine detail clearly better than raw coordinates. */
#include "fit.h"
#include "model_config.h"
#include "rng.h"
#include "sweep.h"

#include "check_run.h"
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(holdout_split_is_the_published_one)
{
    enum { H = 7, W = 6 };
    int32_t train[H * W], test[H * W];
    int n_train, n_test;
    fit_split(train, &n_train, test, &n_test, H, W, 1);
    ck_assert_int_eq(n_train, 4 * 3); /* rows 0,2,4,6 × columns 0,2,4 */
    ck_assert_int_eq(n_test, H * W - 12);
    int seen[H * W] = {0};
    for (int k = 0; k < n_train; k++) {
        int i = train[k] / W, j = train[k] % W;
        ck_assert(i % 2 == 0 && j % 2 == 0);
        seen[train[k]]++;
    }
    for (int k = 0; k < n_test; k++) {
        int i = test[k] / W, j = test[k] % W;
        ck_assert(i % 2 == 1 || j % 2 == 1);
        seen[test[k]]++;
    }
    for (int p = 0; p < H * W; p++)
        ck_assert_int_eq(seen[p], 1); /* a partition */
    ck_assert(fit_is_train_pixel(0, 0, 1) && !fit_is_train_pixel(0, 1, 1) &&
              !fit_is_train_pixel(1, 0, 1) && !fit_is_train_pixel(1, 1, 1));

    fit_split(train, &n_train, test, &n_test, H, W, 0);
    ck_assert_int_eq(n_train, H * W);
    ck_assert_int_eq(n_test, 0);
    for (int p = 0; p < H * W; p++)
        ck_assert_int_eq(train[p], p);
}
END_TEST

START_TEST(noise_is_deterministic_per_seed)
{
    enum { S = 16, C = 3, N = S * S * C };
    uint8_t a[N], b[N], c[N];
    fit_noise_image(a, S, C, 5);
    fit_noise_image(b, S, C, 5);
    fit_noise_image(c, S, C, 6);
    ck_assert(memcmp(a, b, N) == 0);
    ck_assert(memcmp(a, c, N) != 0);
    int lo = 255, hi = 0;
    for (int i = 0; i < N; i++) {
        lo = a[i] < lo ? a[i] : lo;
        hi = a[i] > hi ? a[i] : hi;
    }
    ck_assert(lo < 16 && hi > 239); /* spans the range, as white noise should */
}
END_TEST

START_TEST(sweep_keys_resolve)
{
    Sweep s;
    ck_assert_int_eq(sweep_parse(&s, "sigma=1,3,10"), 0);
    ck_assert_str_eq(s.section, "encoding"); /* not [likelihood] sigma */
    ck_assert_str_eq(s.key, "sigma");
    ck_assert_int_eq(s.n, 3);
    ck_assert_str_eq(s.values[2], "10");
    ck_assert_int_eq(sweep_parse(&s, "network.width=8,16"), 0);
    ck_assert_str_eq(s.section, "network");
    ck_assert_int_eq(s.n, 2);
    ck_assert_int_eq(sweep_parse(&s, "features=16"), 0);
    ck_assert_str_eq(s.section, "encoding");
    ck_assert_int_eq(sweep_parse(&s, "nokey=1"), -1);
    ck_assert_int_eq(sweep_parse(&s, "network.sigma=1"), -1);
    ck_assert_int_eq(sweep_parse(&s, "sigma="), -1);
    ck_assert_int_eq(sweep_parse(&s, "sigma=1,,2"), -1);
    ck_assert_int_eq(sweep_parse(&s, "sigma"), -1);

    ModelConfig c;
    const char *why;
    config_defaults(&c);
    c.encoding = ENCODING_NONE;
    ck_assert_int_eq(sweep_parse(&s, "sigma=1"), 0);
    ck_assert(!sweep_applies_to_fit(&s, &c, &why) && why);
    c.encoding = ENCODING_GAUSSIAN;
    ck_assert(sweep_applies_to_fit(&s, &c, &why));
    ck_assert_int_eq(sweep_parse(&s, "data.height=8"), 0);
    ck_assert(!sweep_applies_to_fit(&s, &c, &why));
}
END_TEST

static const char *MODEL_TEXT = "[data]\nheight = 8\nwidth = 8\nchannels = 1\n"
                                "[latent]\nsize = 0\n[decoder]\nkind = coord\n"
                                "[encoding]\nkind = %s\nfeatures = 64\nsigma = 2\n"
                                "[network]\nwidth = 64\ndepth = 2\n[training]\nlr = 0.001\n";

static void model_text(ModelConfig *c, const char *encoding)
{
    char buf[512];
    snprintf(buf, sizeof buf, MODEL_TEXT, encoding);
    ck_assert_int_eq(config_parse(c, buf, "test model"), 0);
}

START_TEST(protocol_refuses_latent_and_dense)
{
    ModelConfig c;
    model_text(&c, "none");
    c.latent = 4;
    ck_assert_int_eq(fit_prepare_config(&c, "test", 16, 16, 3), -1);
    c.latent = 0;
    c.decoder = DECODER_DENSE;
    ck_assert_int_eq(fit_prepare_config(&c, "test", 16, 16, 3), -1);
    c.decoder = DECODER_COORD;
    ck_assert_int_eq(fit_prepare_config(&c, "test", 16, 12, 3), 0);
    ck_assert(c.height == 16 && c.width == 12 && c.channels == 3 && c.batch == 1 &&
              c.pixels == 0 && c.likelihood == LIKELIHOOD_GAUSSIAN);
}
END_TEST

/* A grey image of random plane waves of 3..6 cycles across the image: fine
 * detail (which spectral bias keeps a plain MLP from fitting) that the
 * holdout's half-resolution training grid (Nyquist 8 cycles at 32²) still
 * determines, so the test pixels can be predicted. */
static void waves(uint8_t *img, int S, uint64_t seed)
{
    Rng r;
    rng_seed(&r, seed, 0);
    float fx[4], fy[4], ph[4];
    for (int k = 0; k < 4; k++) {
        fx[k] = (float)(3 + (int)rng_below(&r, 4)) * (rng_below(&r, 2) ? 1.0f : -1.0f);
        fy[k] = (float)(int)rng_below(&r, 7) - 3.0f;
        ph[k] = 6.2831853f * rng_uniform(&r);
    }
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++) {
            float x = ((float)j + 0.5f) / (float)S, y = ((float)i + 0.5f) / (float)S, v = 0;
            for (int k = 0; k < 4; k++)
                v += cosf(6.2831853f * (fx[k] * x + fy[k] * y) + ph[k]);
            img[i * S + j] = (uint8_t)lrintf(127.5f + 25.0f * v); /* |v| ≤ 4: stays in 0..255 */
        }
}

static FitResult fit_image_with(const char *encoding, const uint8_t *img, int S, long steps)
{
    ModelConfig c;
    model_text(&c, encoding);
    ck_assert_int_eq(fit_prepare_config(&c, encoding, S, S, 1), 0);
    FitSettings s = {steps, 3, 1, 0, NULL, encoding, 0};
    FitResult res;
    Model m;
    float *out = malloc(sizeof(float) * S * S);
    ck_assert_int_eq(fit_image(&res, &m, &c, img, S, S, 1, &s, out), 0);
    ck_assert_int_eq(res.n_train, (S / 2) * (S / 2));
    ck_assert_int_eq(res.n_test, S * S - (S / 2) * (S / 2));
    for (int i = 0; i < S * S; i++)
        ck_assert(out[i] >= 0.0f && out[i] <= 1.0f);
    model_free(&m);
    free(out);
    return res;
}

START_TEST(gaussian_features_beat_raw_coordinates)
{
    enum { S = 32 };
    uint8_t img[S * S];
    waves(img, S, 11);
    FitResult none = fit_image_with("none", img, S, 300);
    FitResult gauss = fit_image_with("gaussian", img, S, 300);
    printf("32x32 waves, 300 steps, holdout: none train %.2f test %.2f dB; gaussian train %.2f "
           "test %.2f dB (power %.1f)\n",
           none.train_psnr, none.test_psnr, gauss.train_psnr, gauss.test_psnr, gauss.freq_power);
    ck_assert(isfinite(none.test_psnr) && isfinite(gauss.test_psnr));
    ck_assert_msg(gauss.test_psnr > none.test_psnr + 3.0, "gaussian %.2f dB vs none %.2f dB",
                  gauss.test_psnr, none.test_psnr);
    ck_assert(gauss.train_psnr > none.train_psnr + 3.0);
    ck_assert(none.freq_power == 0.0 && gauss.freq_power > 0.0);
}
END_TEST

static Suite *fit_suite(void)
{
    Suite *s = suite_create("fit");
    TCase *t = tcase_create("fit");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, holdout_split_is_the_published_one);
    tcase_add_test(t, noise_is_deterministic_per_seed);
    tcase_add_test(t, sweep_keys_resolve);
    tcase_add_test(t, protocol_refuses_latent_and_dense);
    tcase_add_test(t, gaussian_features_beat_raw_coordinates);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(fit_suite());
}
