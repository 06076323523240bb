/* test_reference.c - ffvae's loss and every gradient against an independent
 * PyTorch implementation (tests/torch_reference.py wrote the reference file;
 * its header says how to regenerate it). */
#include "h5util.h"
#include "model.h"
#include "model_config.h"
#include "workspace.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cases[] = {
    "coord_gaussian_relu_input",
    "coord_basic_sine_film_rgb",
    "coord_none_relu_film",
    "coord_basic_relu_film_rgb",
    "dense_relu",
    "conv_decoder",                  /* nn.ConvTranspose2d decoder, MLP encoder */
    "conv_encoder_conv_decoder_rgb", /* nn.Conv2d encoder too, RGB, Gaussian likelihood */
    /* the knobs (torch_reference.py's KNOB_CASES) */
    "knob_continuous_bernoulli",       /* log C from the float64 closed form in λ */
    "knob_gaussian_learned_sigma_rgb", /* likelihood.log_sigma [1, 3] */
    "knob_laplace",                    /* dense decoder, b = 0.2 */
    "knob_laplace_learned_rgb",        /* FiLM, learned log b per channel */
    "knob_free_bits",                  /* one dimension below the floor */
    "knob_ffl_conv",                   /* torch.fft.fft2(norm="ortho"), α = 1 */
    "knob_ffl_coord_rgb",              /* α = 2, Gaussian, with free bits */
    "coord_none_sine_latent_omega",  /* [network] latent_omega: z's own first-layer scale */
    "coord_gaussian_sine_film_latent_omega",
};

START_TEST(matches_pytorch)
{
    const char *name = cases[_i];
    char path[4096], obj[256];
    srcdir_path(path, sizeof path, "tests/reference/torch_reference.h5");
    H5File f;
    ck_assert_int_eq(h5f_open(&f, path), 0);

    snprintf(obj, sizeof obj, "/%s/config", name);
    char *text = h5_read_text(&f, obj);
    ck_assert_ptr_nonnull(text);
    ModelConfig cfg;
    ck_assert_int_eq(config_parse(&cfg, text, name), 0);
    free(text);
    Model m;
    ck_assert_int_eq(model_create(&m, &cfg), 0);

    /* Same tensors, same shapes: every ffvae tensor is in the reference, and
     * the reference has no other (count them). */
    int rank;
    for (int i = 0; i < m.table.n; i++) {
        const Tensor *t = &m.table.t[i];
        snprintf(obj, sizeof obj, "/%s/params/%s", name, t->name);
        ck_assert_msg(h5_exists(&f, obj) == 1, "%s: reference lacks %s", name, t->name);
        size_t want[2] = {(size_t)t->rows, (size_t)t->cols};
        ck_assert_int_eq(h5_read(&f, obj, H5_F32, 2, want, m.params + t->offset), 0);
    }
    snprintf(obj, sizeof obj, "/%s/params", name);
    hid_t g = H5Gopen2(f.id, obj, H5P_DEFAULT);
    H5G_info_t info;
    H5Gget_info(g, &info);
    H5Gclose(g);
    ck_assert_int_eq((int)info.nlinks, m.table.n);

    if (m.F > 0) {
        snprintf(obj, sizeof obj, "/%s/encoding_B", name);
        size_t fd[2] = {(size_t)m.F, 2};
        ck_assert_int_eq(h5_read(&f, obj, H5_F32, 2, fd, m.freqs), 0);
    }
    snprintf(obj, sizeof obj, "/%s/images", name);
    size_t idims[4];
    ck_assert_int_eq(h5_shape(&f, obj, H5_U8, 4, &rank, idims), 0);
    int B = (int)idims[0];
    uint8_t *images = malloc(idims[0] * idims[1] * idims[2] * idims[3]);
    ck_assert_int_eq(h5_read(&f, obj, H5_U8, 4, idims, images), 0);

    Workspace ws;
    ck_assert_int_eq(workspace_create(&ws, &m, B, 0, m.H, m.W), 0);
    workspace_load_images(&ws, &m, images, B);
    snprintf(obj, sizeof obj, "/%s/eps", name);
    size_t edims[2] = {(size_t)B, (size_t)m.latent};
    ck_assert_int_eq(h5_read(&f, obj, H5_F32, 2, edims, ws.eps), 0);

    LossParts lp = model_forward(&m, &ws, B, NULL); /* NULL: use the reference's ε */
    float recon_scale = 1.0f / B, kl_scale = cfg.beta / B;
    /* the objective (model.h): the ELBO's terms unless a knob changes it */
    double loss = recon_scale * (lp.recon + lp.ffl) + kl_scale * lp.rate;
    float expected[3];
    size_t three = 3;
    snprintf(obj, sizeof obj, "/%s/expected", name);
    ck_assert_int_eq(h5_read(&f, obj, H5_F32, 1, &three, expected), 0);
    /* 1e-5 relative, or of 1 nat when the terms cancel (the continuous
     * Bernoulli's −log C against its cross-entropy leaves a loss near 0) */
    ck_assert_double_eq_tol(loss, expected[0], 1e-5 * fmax(fabs(expected[0]), 1.0));
    ck_assert_double_eq_tol(lp.recon, expected[1], 1e-5 * fabs(expected[1]));
    ck_assert_double_eq_tol(lp.kl, expected[2], 1e-4 * fabs(expected[2]) + 1e-6);

    memset(m.grads, 0, m.table.total * sizeof(float));
    model_backward(&m, &ws, B, recon_scale, kl_scale);
    for (int i = 0; i < m.table.n; i++) {
        const Tensor *t = &m.table.t[i];
        size_t n = tensor_size(t), want[2] = {(size_t)t->rows, (size_t)t->cols};
        float *ref = malloc(n * sizeof(float));
        snprintf(obj, sizeof obj, "/%s/grads/%s", name, t->name);
        ck_assert_int_eq(h5_read(&f, obj, H5_F32, 2, want, ref), 0);
        double scale = 0, worst = 0;
        for (size_t j = 0; j < n; j++)
            scale = fmax(scale, fabs(ref[j]));
        for (size_t j = 0; j < n; j++)
            worst = fmax(worst, fabs(m.grads[t->offset + j] - ref[j]));
        /* Float32 against float64: 1e-4 of the tensor's largest gradient. */
        ck_assert_msg(worst <= 1e-4 * scale + 1e-7, "%s: %s: max |ffvae - torch| = %g (scale %g)",
                      name, t->name, worst, scale);
        free(ref);
    }
    free(images);
    workspace_free(&ws);
    model_free(&m);
    h5f_close(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reference");
    TCase *tc = tcase_create("pytorch");
    tcase_add_loop_test(tc, matches_pytorch, 0, (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(s, tc);
    return run_suite(s);
}
