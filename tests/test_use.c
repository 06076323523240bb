/* test_use.c - what the commands that use a trained model rest on: slerp
 * and latent paths, the blur measures on a real Fashion-MNIST image, and
 * evaluate() checked against an independent recomputation. */
#include "eval.h"
#include "idx.h"
#include "latent.h"
#include "measures.h"
#include "model.h"
#include "render.h"
#include "spectrum.h"
#include "workspace.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI /* not in strict ISO C */
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT1_2
#define M_SQRT1_2 0.70710678118654752440
#endif

#define FMNIST_TEST_IMAGES "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"

static double norm(const float *v, int d)
{
    double s = 0;
    for (int i = 0; i < d; i++)
        s += (double)v[i] * v[i];
    return sqrt(s);
}

/* ---- interpolation -------------------------------------------------------- */

START_TEST(slerp_from_a_latent_to_itself_stays_there)
{
    float a[16], out[16];
    Rng r;
    rng_seed(&r, 3, 0);
    rng_normal_fill(&r, a, 16);
    for (int k = 0; k <= 10; k++) {
        latent_slerp(out, a, a, 16, k / 10.0f);
        ck_assert_mem_eq(out, a, sizeof a);
    }
}
END_TEST

START_TEST(slerp_ends_are_exact_and_the_midpoint_stays_on_the_sphere)
{
    enum { D = 32 };
    float a[D], b[D], out[D];
    Rng r;
    rng_seed(&r, 4, 0);
    rng_normal_fill(&r, a, D);
    rng_normal_fill(&r, b, D);
    latent_slerp(out, a, b, D, 0.0f);
    ck_assert_mem_eq(out, a, sizeof a);
    latent_slerp(out, a, b, D, 1.0f);
    ck_assert_mem_eq(out, b, sizeof b);

    /* Orthogonal unit vectors: the midpoint is (a + b)/√2, of unit norm,
     * where lerp's midpoint has norm 1/√2. */
    float e1[D] = {0}, e2[D] = {0};
    e1[3] = 1.0f, e2[7] = 1.0f;
    latent_slerp(out, e1, e2, D, 0.5f);
    ck_assert_double_eq_tol(norm(out, D), 1.0, 1e-6);
    ck_assert_double_eq_tol(out[3], M_SQRT1_2, 1e-6);
    ck_assert_double_eq_tol(out[7], M_SQRT1_2, 1e-6);
    latent_lerp(out, e1, e2, D, 0.5f);
    ck_assert_double_eq_tol(norm(out, D), M_SQRT1_2, 1e-6);
    /* A third of the way round the quarter circle: angle 30° from e1. */
    latent_slerp(out, e1, e2, D, 1.0f / 3);
    ck_assert_double_eq_tol(out[3], cos(M_PI / 6), 1e-6);
    ck_assert_double_eq_tol(out[7], sin(M_PI / 6), 1e-6);

    /* Antipodal: the circle is undefined, so it falls back to lerp (no NaN). */
    for (int i = 0; i < D; i++)
        b[i] = -a[i];
    latent_slerp(out, a, b, D, 0.25f);
    for (int i = 0; i < D; i++)
        ck_assert_float_eq_tol(out[i], 0.5f * a[i], 1e-6f);
}
END_TEST

START_TEST(latent_path_spaces_its_points_evenly)
{
    float a[2] = {1, -2}, b[2] = {3, 6}, path[5 * 2];
    latent_path(path, a, b, 2, 5, 0);
    ck_assert_mem_eq(path, a, sizeof a);
    ck_assert_mem_eq(path + 8, b, sizeof b);
    for (int k = 0; k < 5; k++) {
        ck_assert_float_eq_tol(path[2 * k], 1 + 2 * k / 4.0f, 1e-6f);
        ck_assert_float_eq_tol(path[2 * k + 1], -2 + 8 * k / 4.0f, 1e-6f);
    }
    latent_path(path, a, b, 2, 5, 1);
    ck_assert_mem_eq(path, a, sizeof a);
    ck_assert_mem_eq(path + 8, b, sizeof b);
}
END_TEST

/* ---- blur measures on a real image ---------------------------------------- */

/* The first count Fashion-MNIST test images as floats in [0, 1]:
 * img[count, 28·28]; a->data keeps the bytes. */
static float *fmnist_image(long count, IdxArray *a)
{
    ck_assert_int_eq(idx_read(a, FMNIST_TEST_IMAGES, 3, count), 0);
    ck_assert_int_eq(a->dims[1], 28);
    ck_assert_int_eq(a->dims[2], 28);
    float *img = alloc_or_fail((size_t)count * 784, sizeof *img);
    for (size_t i = 0; i < (size_t)count * 784; i++)
        img[i] = a->data[i] / 255.0f;
    return img;
}

static void radial_of(double *radial, int n_bins, const float *img)
{
    double power[784];
    ck_assert_int_eq(power_spectrum_2d(power, img, 28, 28, 1), 0);
    ck_assert_int_eq(radial_spectrum(radial, n_bins, power, 28, 28), 0);
}

START_TEST(blurring_a_real_image_lowers_hf_ratio_and_ssim)
{
    IdxArray a;
    float *img = fmnist_image(1, &a), blurred[784];
    box_blur(blurred, img, 28, 28, 1, 1); /* 3×3 box mean, edges replicated */
    int nb = spectrum_bins(28, 28);
    ck_assert_int_eq(nb, 15);
    double r_img[15], r_blur[15];
    radial_of(r_img, nb, img);
    radial_of(r_blur, nb, blurred);
    double hf_self = hf_energy_ratio(r_img, r_img, nb);
    double hf_blur = hf_energy_ratio(r_blur, r_img, nb);
    double ssim_self = ssim(img, img, 28, 28, 1), ssim_blur = ssim(blurred, img, 28, 28, 1);
    printf("fashion-mnist test image 0, 3x3 box blur: hf ratio %.4f, ssim %.4f, psnr %.2f dB\n",
           hf_blur, ssim_blur, psnr_db(image_mse(blurred, img, 784)));
    ck_assert_double_eq_tol(hf_self, 1.0, 1e-12);
    ck_assert_double_lt(hf_blur, 1.0);
    /* The box's power gain, |(1 + 2 cos 2πfx)(1 + 2 cos 2πfy) / 9|², is below
     * 0.35 in every bin counted as high (r ≥ 0.2667, so max(|fx|, |fy|) ≥
     * 0.1886); the ratio is a weighted mean of that gain (measured: 0.034). */
    ck_assert_double_lt(hf_blur, 0.35);
    ck_assert_double_gt(hf_blur, 0.0);
    ck_assert_double_lt(ssim_blur, ssim_self);
    ck_assert_double_lt(ssim_blur, 0.95);
    free(img);
    idx_free(&a);
}
END_TEST

START_TEST(identical_images_give_ssim_one_and_infinite_psnr)
{
    IdxArray a;
    float *img = fmnist_image(1, &a), copy[784];
    memcpy(copy, img, sizeof copy);
    ck_assert_double_eq(image_mse(copy, img, 784), 0.0);
    ck_assert(isinf(psnr_db(0.0)) && psnr_db(0.0) > 0);
    ck_assert_double_eq_tol(ssim(copy, img, 28, 28, 1), 1.0, 1e-12);
    free(img);
    idx_free(&a);
}
END_TEST

/* ---- evaluate() ------------------------------------------------------------ */

/* The radial spectrum of an accumulator (a static buffer: one use at a time). */
static const double *rd_of(const SpectrumAccum *acc)
{
    static double radial[15];
    ck_assert_int_eq(spectrum_accum_radial(radial, 15, acc), 0);
    return radial;
}

/* A small coordinate model at 28×28 with random weights. */
static void small_model(Model *m, const uint8_t *images, int n)
{
    const char *text = "[data]\nheight = 28\nwidth = 28\nchannels = 1\n"
                       "[latent]\nsize = 4\n[encoder]\nhidden = 16\n"
                       "[decoder]\nkind = coord\n[encoding]\nkind = gaussian\nfeatures = 8\n"
                       "sigma = 3\n[network]\nwidth = 16\ndepth = 2\n";
    Rng r;
    rng_seed(&r, 11, 0);
    build_model(m, text, images, n, &r);
}

START_TEST(evaluate_matches_an_independent_recomputation)
{
    enum { N = 70 }; /* more than one batch of 64 */
    IdxArray a;
    float *x = fmnist_image(N, &a);
    Split s = {.n = N, .h = 28, .w = 28, .c = 1, .images = a.data, .labels = NULL};
    Model m;
    small_model(&m, a.data, N);

    EvalResult r, again;
    ck_assert_int_eq(evaluate(&r, &m, &s, 0, 5), 0);
    ck_assert_int_eq(r.n, N);
    ck_assert_int_eq(r.n_bins, 15);
    ck_assert_double_eq_tol(r.nelbo, r.recon + r.kl, 1e-9 * r.nelbo);
    ck_assert(r.nelbo > 0 && r.kl >= 0);
    ck_assert_int_eq(evaluate(&again, &m, &s, 0, 5), 0);
    ck_assert_double_eq(again.nelbo, r.nelbo); /* same seed, same z samples */
    eval_result_free(&again);

    /* Reconstructions through another path: posterior means, then render. */
    float mu[N * 4], *xr = alloc_or_fail((size_t)N * 784, sizeof *xr);
    ck_assert_int_eq(latent_encode_means(mu, &m, a.data, N), 0);
    ck_assert_int_eq(render_mean_images(xr, &m, mu, N, 28, 28), 0);
    double mse = 0, psnr = 0, ss = 0, lfd = 0, lap_x = 0, lap_r = 0;
    SpectrumAccum data, rec, err;
    ck_assert_int_eq(spectrum_accum_init(&data, 28, 28, 1), 0);
    ck_assert_int_eq(spectrum_accum_init(&rec, 28, 28, 1), 0);
    ck_assert_int_eq(spectrum_accum_init(&err, 28, 28, 1), 0);
    for (int i = 0; i < N; i++) {
        double e = image_mse(xr + i * 784, x + i * 784, 784);
        mse += e, psnr += psnr_db(e), ss += ssim(xr + i * 784, x + i * 784, 28, 28, 1);
        spectrum_accum_add(&data, x + i * 784);
        spectrum_accum_add(&rec, xr + i * 784);
        float diff[784];
        for (int k = 0; k < 784; k++)
            diff[k] = xr[i * 784 + k] - x[i * 784 + k];
        spectrum_accum_add(&err, diff);
        lfd += log(1 + 784.0 * 255 * 255 * e); /* what the FFL paper's LFD reduces to */
        lap_x += laplacian_variance(x + i * 784, 28, 28, 1);
        lap_r += laplacian_variance(xr + i * 784, 28, 28, 1);
    }
    double re[15];
    ck_assert_int_eq(spectrum_accum_radial(re, 15, &err), 0);
    for (int b = 1; b < 15; b++)
        ck_assert_double_eq_tol(r.radial_error[b], re[b], 1e-4 * re[b] + 1e-9);
    ck_assert_double_eq_tol(r.hf_error_ratio, hf_energy_ratio(re, rd_of(&data), 15), 1e-4);
    ck_assert_double_eq_tol(r.lfd, lfd / N, 1e-5 * r.lfd);
    ck_assert_double_eq_tol(r.laplacian_ratio_recon, lap_r / lap_x, 1e-4 * r.laplacian_ratio_recon);
    ck_assert(r.laplacian_ratio_samples > 0 && isfinite(r.laplacian_ratio_samples));
    ck_assert(!r.have_quality && isnan(r.fid_samples) && strstr(r.note, "no classifier"));
    spectrum_accum_free(&err);
    ck_assert_double_eq_tol(r.mse, mse / N, 1e-6 * r.mse);
    ck_assert_double_eq_tol(r.psnr, psnr / N, 1e-5);
    ck_assert_double_eq_tol(r.ssim, ss / N, 1e-5);
    double rd[15], rr[15];
    ck_assert_int_eq(spectrum_accum_radial(rd, 15, &data), 0);
    ck_assert_int_eq(spectrum_accum_radial(rr, 15, &rec), 0);
    for (int b = 1; b < 15; b++) {
        ck_assert_double_eq_tol(r.radial_data[b], rd[b], 1e-6 * rd[b]);
        ck_assert_double_eq_tol(r.radial_recon[b], rr[b], 1e-4 * rr[b]);
    }
    ck_assert_double_eq_tol(r.hf_ratio_recon, hf_energy_ratio(rr, rd, 15), 1e-4);
    ck_assert(r.hf_ratio_samples > 0 && isfinite(r.hf_ratio_samples));

    /* Reconstructions from the sampled z, through another path: μ and log σ²
     * from the encoder, z = μ + σ ε with the neg-ELBO's ε (stream (seed, 1),
     * drawn image after image), then render. */
    Workspace ws;
    ck_assert_int_eq(workspace_create(&ws, &m, N, 0, 28, 28), 0);
    workspace_load_images(&ws, &m, a.data, N);
    model_encode(&m, &ws, N, NULL); /* ε = 0 in a new workspace: μ, log σ² */
    float eps[N * 4], z[N * 4];
    Rng eps_rng;
    rng_seed(&eps_rng, 5, 1);
    rng_normal_fill(&eps_rng, eps, N * 4);
    for (int i = 0; i < N * 4; i++)
        z[i] = ws.mu[i] + expf(0.5f * ws.logvar[i]) * eps[i];
    workspace_free(&ws);
    ck_assert_int_eq(render_mean_images(xr, &m, z, N, 28, 28), 0);
    SpectrumAccum sampled;
    ck_assert_int_eq(spectrum_accum_init(&sampled, 28, 28, 1), 0);
    double psnr_sampled = 0, rs[15];
    for (int i = 0; i < N; i++) {
        psnr_sampled += psnr_db(image_mse(xr + i * 784, x + i * 784, 784));
        spectrum_accum_add(&sampled, xr + i * 784);
    }
    ck_assert_int_eq(spectrum_accum_radial(rs, 15, &sampled), 0);
    spectrum_accum_free(&sampled);
    ck_assert_double_eq_tol(r.psnr_sampled, psnr_sampled / N, 1e-4);
    ck_assert_double_eq_tol(r.hf_ratio_recon_sampled, hf_energy_ratio(rs, rd, 15), 1e-4);
    ck_assert(fabs(r.psnr_sampled - r.psnr) > 1e-3); /* the sampled z is not μ */

    /* --limit: the first n images only. */
    EvalResult part;
    ck_assert_int_eq(evaluate(&part, &m, &s, 10, 5), 0);
    ck_assert_int_eq(part.n, 10);
    eval_result_free(&part);

    /* A split of another size is refused. */
    Split wrong = s;
    wrong.h = wrong.w = 14;
    ck_assert_int_eq(evaluate(&part, &m, &wrong, 0, 5), -1);

    spectrum_accum_free(&data);
    spectrum_accum_free(&rec);
    eval_result_free(&r);
    model_free(&m);
    free(xr);
    free(x);
    idx_free(&a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("use");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, slerp_from_a_latent_to_itself_stays_there);
    tcase_add_test(tc, slerp_ends_are_exact_and_the_midpoint_stays_on_the_sphere);
    tcase_add_test(tc, latent_path_spaces_its_points_evenly);
    tcase_add_test(tc, blurring_a_real_image_lowers_hf_ratio_and_ssim);
    tcase_add_test(tc, identical_images_give_ssim_one_and_infinite_psnr);
    tcase_add_test(tc, evaluate_matches_an_independent_recomputation);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
