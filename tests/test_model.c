/* test_model.c - the whole model's gradient against central finite
 * differences, for every decoder kind, conditioning, encoding, likelihood and
 * pixel subsampling; and the split first layer against the concatenation it
 * replaces.
 *
 * The decoders here use sine activations: a ReLU decoder is piecewise linear
 * with hundreds of kinks per parameter in a tiny batch, so its finite
 * differences measure secant slopes, not the gradient, at any step float
 * rounding allows. ReLU layers are checked alone (test_layers.c, inputs kept
 * off the kink) and whole ReLU models against PyTorch (test_reference.c). */
#include "gradcheck.h"
#include "model.h"
#include "model_config.h"
#include "render.h"
#include "train.h"
#include "workspace.h"

#include "check_run.h"
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A tiny model: 4x4 images, 3 latents, small widths, so every parameter can be
 * checked. `extra` appends or overrides keys ("[section]\nkey = value"). */
/* Tokens "section.key=value" of extra, set with config_set. */
static void apply_sets(ModelConfig *c, const char *extra)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", extra);
    for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
        char *eq = strchr(tok, '='), *dot = strchr(tok, '.');
        if (!eq || !dot || dot > eq)
            continue;
        *eq = *dot = '\0';
        ck_assert_msg(config_set(c, tok, dot + 1, eq + 1, "test") == 0, "cannot set %s.%s", tok,
                      dot + 1);
    }
}

static void tiny_config(ModelConfig *c, const char *decoder_and_encoding, const char *extra)
{
    char text[2048];
    snprintf(text, sizeof text,
             "[data]\nheight = 4\nwidth = 4\nchannels = %d\n"
             "[latent]\nsize = 3\nbeta = 0.7\n"
             "[encoder]\nhidden = 6, 5\n"
             "%s\n"
             "[network]\nwidth = 7\ndepth = 3\n%s\n",
             strstr(extra, "channels3") ? 3 : 1, decoder_and_encoding,
             strstr(extra, "sine") ? "activation = sine\nomega0 = 3" : "");
    ck_assert_int_eq(config_parse(c, text, "tiny"), 0);
    if (strstr(extra, "gaussian-likelihood")) {
        ck_assert_int_eq(config_set(c, "likelihood", "kind", "gaussian", "test"), 0);
        ck_assert_int_eq(config_set(c, "likelihood", "sigma", "0.3", "test"), 0);
    }
    apply_sets(c, extra);
}

typedef struct {
    Model m;
    Workspace ws;
    int B;
    float recon_scale, kl_scale;
} Fixture;

static void fixture_init(Fixture *fx, const ModelConfig *c, int pixels, uint64_t seed)
{
    Rng r;
    rng_seed(&r, seed, 0);
    fx->B = 3;
    fx->recon_scale = 1.0f / 3;
    fx->kl_scale = 0.7f / 3;
    ck_assert_int_eq(model_create(&fx->m, c), 0);
    uint8_t images[3 * 16 * 3];
    for (size_t i = 0; i < sizeof images; i++)
        images[i] = (uint8_t)rng_below(&r, 256);
    ck_assert_int_eq(model_init_frequencies(&fx->m, images, 3, &r), 0);
    model_init_params(&fx->m, &r);
    /* Biases start at zero; give them values so their gradients are exercised. */
    for (size_t i = 0; i < fx->m.table.total; i++)
        if (fx->m.params[i] == 0.0f)
            fx->m.params[i] = 0.1f * (rng_uniform(&r) - 0.5f);
    ck_assert_int_eq(workspace_create(&fx->ws, &fx->m, fx->B, pixels, 4, 4), 0);
    workspace_load_images(&fx->ws, &fx->m, images, fx->B);
    workspace_sample_pixels(&fx->ws, &fx->m, fx->B, &r);
    model_forward(&fx->m, &fx->ws, fx->B, &r); /* draws ε once; later passes reuse it */
}

static void fixture_free(Fixture *fx)
{
    workspace_free(&fx->ws);
    model_free(&fx->m);
}

static double fixture_loss(void *ctx)
{
    Fixture *fx = ctx;
    model_encode(&fx->m, &fx->ws, fx->B, NULL);
    model_decode(&fx->m, &fx->ws, fx->B);
    LossParts lp = model_loss(&fx->m, &fx->ws, fx->B);
    /* the objective model_backward differentiates (model.h) */
    return fx->recon_scale * (lp.recon + lp.ffl) + fx->kl_scale * lp.rate;
}

/* 1e-2 relative (see error_floor): the float forward pass, its polynomial
 * sin/exp (errors near 1e-7) and the encoder's ReLUs leave up to about 5e-3
 * here; a gradient 5% off gives 2.5e-2 and a missing term far more. The tight
 * comparison is test_reference.c's, against PyTorch, at 1e-4. */
#define MODEL_TOL 1e-2
/* Finite-difference steps tried per parameter (see gradcheck_steps). */
static const double steps[] = {1e-2, 3e-3, 1e-3, 1e-4, 3e-5};
#define N_STEPS 5

/* Entries far smaller than their tensor's largest gradient are compared in
 * absolute terms, at a tenth of that scale: their relative error is all noise. */
static double error_floor(const float *g, size_t n)
{
    double top = 0;
    for (size_t i = 0; i < n; i++)
        top = fmax(top, fabs(g[i]));
    return fmax(1e-3, 0.1 * top);
}

/* The model's analytic gradients at the fixture's point, in fx->m.grads. */
static void fixture_gradients(Fixture *fx)
{
    fixture_loss(fx);
    memset(fx->m.grads, 0, fx->m.table.total * sizeof(float));
    model_backward(&fx->m, &fx->ws, fx->B, fx->recon_scale, fx->kl_scale);
}

/* Tensor t's worst error against finite differences (gradcheck_steps, 40
 * entries); reported when above report_above and label is non-NULL. */
static double tensor_error(Fixture *fx, const Tensor *t, double report_above, const char *label)
{
    return gradcheck_steps(fixture_loss, fx, fx->m.params + t->offset, fx->m.grads + t->offset,
                           tensor_size(t), 40, steps, N_STEPS,
                           error_floor(fx->m.grads + t->offset, tensor_size(t)), report_above,
                           label);
}

/* Checks every tensor of the model, with the KL weighted by kl_scale (< 0:
 * the fixture's β/B); returns the worst error seen. */
static double check_model_scaled(const ModelConfig *c, int pixels, const char *label,
                                 float kl_scale)
{
    Fixture fx;
    fixture_init(&fx, c, pixels, 11);
    if (kl_scale >= 0)
        fx.kl_scale = kl_scale;
    fixture_gradients(&fx);
    double worst = 0;
    for (int i = 0; i < fx.m.table.n; i++) {
        const Tensor *t = &fx.m.table.t[i];
        char name[128];
        snprintf(name, sizeof name, "%s %s", label, t->name);
        double e = tensor_error(&fx, t, MODEL_TOL, name);
        if (e > worst)
            worst = e;
    }
    fixture_free(&fx);
    return worst;
}

static double check_model(const ModelConfig *c, int pixels, const char *label)
{
    return check_model_scaled(c, pixels, label, -1.0f);
}

/* The tiny model of tiny_config(decoder_and_encoding, extra) passes check_model. */
static void expect_gradients_pass(const char *decoder_and_encoding, const char *extra, int pixels,
                                  const char *label)
{
    ModelConfig c;
    tiny_config(&c, decoder_and_encoding, extra);
    ck_assert_double_lt(check_model(&c, pixels, label), MODEL_TOL);
}

/* The coordinate decoder with 5 Gaussian Fourier features of σ = 1. */
#define COORD_GAUSSIAN "[decoder]\nkind = coord\n[encoding]\nkind = gaussian\nfeatures = 5\nsigma = 1"

/* The continuous Bernoulli's mean, as mean_image gives it, against the
 * integral of x·p(x | λ) over [0, 1] (Simpson's rule, float64) and against
 * the closed form in λ, λ/(2λ − 1) + 1/(2 artanh(1 − 2λ)), across (0, 1). */
START_TEST(cb_mean_image_matches_its_integral)
{
    double worst = 0, at = 0;
    for (int i = -6; i <= 200; i++) {
        double lambda = i < 0 ? 0.5 + ((i & 1) ? 1 : -1) * pow(10.0, i - 1) : (i + 0.5) / 201.0;
        float l = (float)log(lambda / (1 - lambda)), got;
        mean_image(&got, &l, 1, LIKELIHOOD_CONTINUOUS_BERNOULLI);
        double lam = 1.0 / (1.0 + exp(-(double)l)), x = 1.0 - 2.0 * lam;
        double closed = fabs(x) < 1e-12 ? 0.5 : lam / (2 * lam - 1) + 1 / (2 * atanh(x));
        enum { STEPS = 2000 }; /* even */
        double norm = 0, first = 0;
        for (int k = 0; k <= STEPS; k++) {
            double v = (double)k / STEPS, w = (k == 0 || k == STEPS) ? 1 : (k & 1) ? 4 : 2;
            double density = pow(lam, v) * pow(1 - lam, 1 - v);
            norm += w * density;
            first += w * v * density;
        }
        double integral = first / norm;
        ck_assert_msg(fabs(closed - integral) < 1e-9, "closed form %.12g, integral %.12g at %g",
                      closed, integral, lam);
        if (fabs(got - integral) > worst)
            worst = fabs(got - integral), at = lam;
    }
    printf("continuous Bernoulli mean: worst |mean_image - integral| %.2e at lambda %.9g\n",
           worst, at);
    ck_assert_msg(worst < 2e-7, "mean off by %g at lambda %.9g", worst, at);
    float zero = 0, big[2] = {80, -80}, out[2];
    mean_image(out, &zero, 1, LIKELIHOOD_CONTINUOUS_BERNOULLI);
    ck_assert_float_eq(out[0], 0.5f);
    mean_image(out, big, 2, LIKELIHOOD_CONTINUOUS_BERNOULLI); /* 1 − 1/l and −1/l */
    ck_assert_float_eq_tol(out[0], 1 - 1 / 80.0f, 1e-7f);
    ck_assert_float_eq_tol(out[1], 1 / 80.0f, 1e-7f);
    mean_image(out, big, 1, LIKELIHOOD_BERNOULLI); /* the others: σ(l) */
    ck_assert_float_eq_tol(out[0], 1.0f, 1e-7f);
}
END_TEST

START_TEST(coord_gaussian_input)
{
    expect_gradients_pass(COORD_GAUSSIAN, "sine", 0, "coord/gaussian/input");
}
END_TEST

START_TEST(coord_film_rgb)
{
    expect_gradients_pass("[decoder]\nkind = coord\nconditioning = film\n[encoding]\nkind = basic",
                          "channels3 sine", 0, "coord/basic/film/rgb");
}
END_TEST

START_TEST(coord_sine)
{
    expect_gradients_pass("[decoder]\nkind = coord\n[encoding]\nkind = none", "sine", 0,
                          "coord/none/sine");
}
END_TEST

START_TEST(coord_positional_gaussian_likelihood_subsampled)
{
    expect_gradients_pass(
        "[decoder]\nkind = coord\n[encoding]\nkind = positional\nfrequencies = 3\ntop = 2",
        "gaussian-likelihood sine", 6, "coord/positional/gaussian/pixels=6");
}
END_TEST

START_TEST(coord_spectrum_film_sine)
{
    expect_gradients_pass(
        "[decoder]\nkind = coord\nconditioning = film\n[encoding]\nkind = spectrum\nfeatures = 4",
        "sine", 0, "coord/spectrum/film/sine");
}
END_TEST

/* latent_omega ≠ ω0: the first layer is sin(ω0·(γ·Wx + b) + latent_omega·(z·Wz)). */
START_TEST(coord_sine_latent_omega)
{
    ModelConfig c;
    tiny_config(&c, "[decoder]\nkind = coord\n[encoding]\nkind = none", "sine");
    ck_assert_int_eq(config_set(&c, "network", "latent_omega", "1.25", "test"), 0);
    ck_assert_double_lt(check_model(&c, 0, "coord/none/sine/latent_omega=1.25"), MODEL_TOL);
    /* With FiLM, Fourier features and pixel subsampling, and a latent scale above ω0. */
    tiny_config(&c,
                "[decoder]\nkind = coord\nconditioning = film\n[encoding]\nkind = gaussian\n"
                "features = 5\nsigma = 1",
                "sine");
    ck_assert_int_eq(config_set(&c, "network", "latent_omega", "4.5", "test"), 0);
    ck_assert_double_lt(check_model(&c, 6, "coord/gaussian/film/pixels=6/latent_omega=4.5"),
                        MODEL_TOL);
}
END_TEST

START_TEST(dense_decoder)
{
    expect_gradients_pass("[decoder]\nkind = dense", "sine", 0, "dense");
}
END_TEST

/* A conv model for the fixture's 4x4 images: the decoder's 2 transposed
 * convolutions grow a 1x1 start map of 4 channels to 2x2x2 and then 4x4xC;
 * the encoder is the MLP or, with conv_encoder, 2 convolutions (4x4 → 2x2x2
 * → 1x1x4). Sine between the decoder's layers (see the top of the file); the
 * conv encoder's ReLUs stay, as the MLP encoder's do. */
static void conv_config(ModelConfig *c, int conv_encoder, const char *extra)
{
    char text[1024];
    snprintf(text, sizeof text,
             "[data]\nheight = 4\nwidth = 4\nchannels = %d\n"
             "[latent]\nsize = 3\nbeta = 0.7\n"
             "[encoder]\nkind = %s\nhidden = 6, 5\nchannels = 2\ndepth = 2\n"
             "[decoder]\nkind = conv\nchannels = 4\n"
             "[network]\ndepth = 2\nactivation = sine\nomega0 = 3\n",
             strstr(extra, "channels3") ? 3 : 1, conv_encoder ? "conv" : "mlp");
    ck_assert_int_eq(config_parse(c, text, "tiny-conv"), 0);
    if (strstr(extra, "gaussian-likelihood")) {
        ck_assert_int_eq(config_set(c, "likelihood", "kind", "gaussian", "test"), 0);
        ck_assert_int_eq(config_set(c, "likelihood", "sigma", "0.3", "test"), 0);
    }
    apply_sets(c, extra);
}

/* The likelihoods, free bits and the focal frequency loss through whole
 * models of each decoder kind. The FFL cases use focal_alpha = 0 (w ≡ 1): its
 * weights carry no gradient by definition, so at α ≠ 0 finite differences of
 * the loss are not what the backward computes; test_layers.c checks that
 * frozen-weight gradient at α = 1 and 2. */
START_TEST(learned_sigma_gaussian_coord_rgb)
{
    ModelConfig c;
    tiny_config(&c, COORD_GAUSSIAN,
                "channels3 sine likelihood.kind=gaussian likelihood.sigma=learned");
    Fixture fx;
    fixture_init(&fx, &c, 0, 11);
    ck_assert_int_ge(fx.m.log_sigma, 0);
    const Tensor *t = &fx.m.table.t[fx.m.log_sigma];
    ck_assert_str_eq(t->name, "likelihood.log_sigma");
    ck_assert_int_eq(t->rows * t->cols, 3);
    /* starts at log 0.1, then give each channel its own value */
    ck_assert_float_eq_tol(fx.m.params[t->offset], logf(0.1f), 1e-6f);
    for (int ch = 0; ch < 3; ch++)
        fx.m.params[t->offset + ch] = logf(0.2f + 0.1f * ch);
    fixture_free(&fx);
    ck_assert_double_lt(check_model(&c, 0, "coord/gaussian/learned sigma/rgb"), MODEL_TOL);
    /* with pixel subsampling too */
    ck_assert_double_lt(check_model(&c, 6, "coord/gaussian/learned sigma/pixels=6"), MODEL_TOL);
}
END_TEST

START_TEST(laplace_and_continuous_bernoulli)
{
    expect_gradients_pass("[decoder]\nkind = dense",
                          "sine likelihood.kind=laplace likelihood.sigma=learned", 0,
                          "dense/laplace/learned b");
    expect_gradients_pass(COORD_GAUSSIAN, "sine likelihood.kind=laplace likelihood.sigma=0.2", 0,
                          "coord/laplace/b=0.2");
    expect_gradients_pass(COORD_GAUSSIAN, "sine likelihood.kind=continuous_bernoulli", 0,
                          "coord/continuous bernoulli");
    ModelConfig c;
    conv_config(&c, 0, "likelihood.kind=continuous_bernoulli");
    ck_assert_double_lt(check_model(&c, 0, "conv/continuous bernoulli"), MODEL_TOL);
}
END_TEST

START_TEST(focal_frequency_loss_and_free_bits)
{
    ModelConfig c;
    tiny_config(&c, COORD_GAUSSIAN,
                "channels3 sine loss.focal_frequency=0.5 loss.focal_alpha=0 latent.free_bits=0.05");
    Fixture fx;
    fixture_init(&fx, &c, 0, 11);
    LossParts lp = model_loss(&fx.m, &fx.ws, fx.B);
    ck_assert(fx.ws.ffl_on && lp.ffl > 0);
    ck_assert(lp.rate >= lp.kl); /* the floor only raises the rate */
    fixture_free(&fx);
    ck_assert_double_lt(check_model(&c, 0, "coord/ffl/free bits/rgb"), MODEL_TOL);
    expect_gradients_pass("[decoder]\nkind = dense",
                          "sine loss.focal_frequency=2 loss.focal_alpha=0 likelihood.kind=gaussian "
                          "likelihood.sigma=learned",
                          0, "dense/ffl/learned sigma");
    /* the MLP encoder: a conv encoder's ReLU kinks add noise at this size */
    conv_config(&c, 0, "channels3 loss.focal_frequency=1 loss.focal_alpha=0");
    ck_assert_double_lt(check_model(&c, 0, "conv/ffl/rgb"), MODEL_TOL);
    /* every dimension below a large floor: no KL gradient reaches the encoder's heads
     * from the rate; above a tiny one, the plain KL's */
    tiny_config(&c, COORD_GAUSSIAN, "sine latent.free_bits=50");
    ck_assert_double_lt(check_model(&c, 0, "coord/free bits 50"), MODEL_TOL);
    /* FFL and the ELBO: the reported recon and KL do not include it */
    tiny_config(&c, COORD_GAUSSIAN, "sine loss.focal_frequency=3");
    fixture_init(&fx, &c, 0, 11);
    LossParts with = model_loss(&fx.m, &fx.ws, fx.B);
    fixture_free(&fx);
    tiny_config(&c, COORD_GAUSSIAN, "sine");
    fixture_init(&fx, &c, 0, 11);
    LossParts without = model_loss(&fx.m, &fx.ws, fx.B);
    fixture_free(&fx);
    ck_assert_double_eq(with.recon, without.recon);
    ck_assert_double_eq(with.kl, without.kl);
    ck_assert(with.ffl > 0 && without.ffl == 0);
}
END_TEST

/* kl_warmup: β rises linearly over N steps, and the backward follows the
 * weight of the step (checked at a quarter of the warm-up, and at its start,
 * where the KL has no weight at all, with free bits too). */
START_TEST(kl_warmup_weights_the_rate)
{
    ModelConfig c;
    tiny_config(&c, COORD_GAUSSIAN, "sine latent.kl_warmup=8 latent.free_bits=0.01");
    ck_assert_float_eq(train_beta_at(&c, 0), 0.0f);
    ck_assert_float_eq_tol(train_beta_at(&c, 2), 0.7f * 2 / 8, 1e-7f);
    ck_assert_float_eq_tol(train_beta_at(&c, 4), 0.35f, 1e-7f);
    ck_assert_float_eq(train_beta_at(&c, 8), 0.7f);
    ck_assert_float_eq(train_beta_at(&c, 1000), 0.7f);
    c.kl_warmup = 0;
    ck_assert_float_eq(train_beta_at(&c, 0), 0.7f);
    c.kl_warmup = 8;
    ck_assert_double_lt(check_model_scaled(&c, 0, "coord/warm-up step 2",
                                           train_beta_at(&c, 2) / 3), MODEL_TOL);
    ck_assert_double_lt(check_model_scaled(&c, 0, "coord/warm-up step 0",
                                           train_beta_at(&c, 0) / 3), MODEL_TOL);
}
END_TEST

START_TEST(conv_decoder)
{
    ModelConfig c;
    conv_config(&c, 0, "");
    ck_assert_double_lt(check_model(&c, 0, "conv"), MODEL_TOL);
}
END_TEST

START_TEST(conv_encoder_and_decoder_rgb)
{
    ModelConfig c;
    conv_config(&c, 1, "channels3 gaussian-likelihood");
    ck_assert_double_lt(check_model(&c, 0, "conv/conv-encoder/rgb/gaussian"), MODEL_TOL);
    conv_config(&c, 1, "");
    ck_assert_double_lt(check_model(&c, 0, "conv/conv-encoder"), MODEL_TOL);
}
END_TEST

/* The conv encoder in front of the other decoders. */
START_TEST(conv_encoder_with_coord_and_dense_decoders)
{
    ModelConfig c;
    tiny_config(&c, COORD_GAUSSIAN, "sine");
    ck_assert_int_eq(config_set(&c, "encoder", "kind", "conv", "test"), 0);
    ck_assert_int_eq(config_set(&c, "encoder", "channels", "2", "test"), 0);
    ck_assert_double_lt(check_model(&c, 0, "coord/conv-encoder"), MODEL_TOL);
    tiny_config(&c, "[decoder]\nkind = dense", "sine");
    ck_assert_int_eq(config_set(&c, "encoder", "kind", "conv", "test"), 0);
    ck_assert_double_lt(check_model(&c, 0, "dense/conv-encoder"), MODEL_TOL);
}
END_TEST

/* A conv decoder renders at its own size (σ of its logits) and refuses any other. */
START_TEST(conv_renders_only_at_its_own_size)
{
    ModelConfig c;
    conv_config(&c, 0, "");
    Fixture fx;
    fixture_init(&fx, &c, 0, 5);
    float one[2 * 16], two[2 * 64];
    ck_assert_int_eq(render_mean_images(one, &fx.m, fx.ws.z, 2, 4, 4), 0);
    model_decode(&fx.m, &fx.ws, 2);
    for (int i = 0; i < 2 * 16; i++)
        ck_assert_float_eq_tol(one[i], 1.0f / (1.0f + expf(-fx.ws.logits[i])), 1e-6f);
    ck_assert_int_eq(render_mean_images(two, &fx.m, fx.ws.z, 1, 8, 8), -1);
    Workspace ws;
    ck_assert_int_eq(workspace_create(&ws, &fx.m, 1, 0, 8, 8), -1);
    fixture_free(&fx);
}
END_TEST

/* Depths 1 and 2 exercise the smallest buffer pools (see Workspace.pool). */
START_TEST(shallow_coord_decoders)
{
    ModelConfig c;
    tiny_config(&c, "[decoder]\nkind = coord\nconditioning = film\n[encoding]\nkind = gaussian\nfeatures = 5\nsigma = 1", "sine");
    ck_assert_int_eq(config_set(&c, "network", "depth", "2", "test"), 0);
    ck_assert_double_lt(check_model(&c, 0, "coord/depth 2"), MODEL_TOL);
    tiny_config(&c, COORD_GAUSSIAN, "sine");
    ck_assert_int_eq(config_set(&c, "network", "depth", "1", "test"), 0);
    ck_assert_double_lt(check_model(&c, 3, "coord/depth 1/pixels=3"), MODEL_TOL);
}
END_TEST

/* Latent size 0: the plain coordinate network that `ffvae fit` trains. */
START_TEST(coordinate_network_without_latent)
{
    ModelConfig c;
    tiny_config(&c, COORD_GAUSSIAN, "sine");
    ck_assert_int_eq(config_set(&c, "latent", "size", "0", "test"), 0);
    ck_assert_double_lt(check_model(&c, 0, "coord/no-latent"), MODEL_TOL);
}
END_TEST

/* Rendering a band of rows at a time gives the same image as all at once. */
START_TEST(tiled_rendering_matches_whole_grid)
{
    ModelConfig c;
    tiny_config(&c, "[decoder]\nkind = coord\nconditioning = film\n[encoding]\nkind = gaussian\nfeatures = 5\nsigma = 1", "");
    Fixture fx;
    fixture_init(&fx, &c, 0, 3);
    Workspace whole, tile;
    ck_assert_int_eq(workspace_create(&whole, &fx.m, 2, 0, 7, 5), 0);
    ck_assert_int_eq(workspace_create(&tile, &fx.m, 2, 0, 3, 5), 0);
    memcpy(whole.z, fx.ws.z, sizeof(float) * 2 * 3);
    memcpy(tile.z, fx.ws.z, sizeof(float) * 2 * 3);
    model_decode(&fx.m, &whole, 2);
    int compared = 0;
    for (int row0 = 0; row0 < 7; row0 += 3) {
        int rows = row0 + 3 <= 7 ? 3 : 7 - row0;
        ck_assert_int_eq(workspace_set_rows(&tile, &fx.m, 7, row0, rows), 0);
        model_decode(&fx.m, &tile, 2);
        for (int b = 0; b < 2; b++)
            for (int p = 0; p < rows * 5; p++, compared++)
                ck_assert_float_eq_tol(tile.logits[b * rows * 5 + p],
                                       whole.logits[b * 35 + row0 * 5 + p], 1e-5f);
    }
    ck_assert_int_eq(compared, 2 * 35);
    ck_assert_int_eq(workspace_set_rows(&tile, &fx.m, 7, 5, 3), -1); /* past the bottom */
    workspace_free(&whole);
    workspace_free(&tile);
    fixture_free(&fx);
}
END_TEST

/* render_mean_images in bands equals σ of one whole-grid decode, and a
 * smooth model rendered at 2x, averaged 2x2, stays close to its 1x render. */
START_TEST(render_any_resolution)
{
    ModelConfig c;
    tiny_config(&c, "[decoder]\nkind = coord\n[encoding]\nkind = gaussian\nfeatures = 5\nsigma = 0.1", "");
    Fixture fx;
    fixture_init(&fx, &c, 0, 4);
    float one[2 * 16], two[2 * 64];
    ck_assert_int_eq(render_mean_images(one, &fx.m, fx.ws.z, 2, 4, 4), 0);
    ck_assert_int_eq(render_mean_images(two, &fx.m, fx.ws.z, 2, 8, 8), 0);
    model_decode(&fx.m, &fx.ws, 2);
    for (int i = 0; i < 2 * 16; i++)
        ck_assert_float_eq_tol(one[i], 1.0f / (1.0f + expf(-fx.ws.logits[i])), 1e-6f);
    double worst = 0;
    for (int b = 0; b < 2; b++)
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                const float *t = two + b * 64 + (2 * i) * 8 + 2 * j;
                double avg = 0.25 * (t[0] + t[1] + t[8] + t[9]);
                worst = fmax(worst, fabs(avg - one[b * 16 + i * 4 + j]));
            }
    ck_assert_double_lt(worst, 0.02); /* σ = 0.1 cycles per unit: smooth at this scale */
    /* A dense decoder refuses any size but its own. */
    ModelConfig dc;
    tiny_config(&dc, "[decoder]\nkind = dense", "");
    Model dm;
    ck_assert_int_eq(model_create(&dm, &dc), 0);
    ck_assert_int_eq(render_mean_images(two, &dm, fx.ws.z, 1, 8, 8), -1);
    model_free(&dm);
    fixture_free(&fx);
}
END_TEST

/* The check is sharp: a gradient that is 5% off in one tensor is caught. */
START_TEST(check_catches_a_wrong_gradient)
{
    ModelConfig c;
    tiny_config(&c, COORD_GAUSSIAN, "");
    Fixture fx;
    fixture_init(&fx, &c, 0, 11);
    fixture_gradients(&fx);
    const Tensor *t = &fx.m.table.t[fx.m.hid_W[1]];
    for (size_t i = 0; i < tensor_size(t); i++)
        fx.m.grads[t->offset + i] *= 1.05f;
    double e = tensor_error(&fx, t, 1.0, NULL);
    ck_assert_double_gt(e, MODEL_TOL);
    fixture_free(&fx);
}
END_TEST

/* h1 = act(γ·Wx + z·Wz + b), computed by concatenating [γ, z] per pixel. */
START_TEST(split_first_layer_equals_concatenation)
{
    ModelConfig c;
    tiny_config(&c, COORD_GAUSSIAN, "");
    Fixture fx;
    fixture_init(&fx, &c, 0, 5);
    const Model *m = &fx.m;
    const Workspace *ws = &fx.ws;
    const float *Wx = tensor_in(m, m->params, m->in_Wx), *Wz = tensor_in(m, m->params, m->in_Wz);
    const float *b = tensor_in(m, m->params, m->in_b);
    int E = m->E, d = m->latent, W = c.net_width;
    for (int img = 0; img < fx.B; img++)
        for (int p = 0; p < m->P; p++)
            for (int j = 0; j < W; j++) {
                double pre = b[j];
                for (int k = 0; k < E + d; k++) { /* row of the concatenated input [γ(p), z] */
                    double in = k < E ? ws->gamma[p * E + k] : ws->z[img * d + (k - E)];
                    double w = k < E ? Wx[k * W + j] : Wz[(k - E) * W + j];
                    pre += in * w;
                }
                double h = pre > 0 ? pre : 0;
                ck_assert_double_eq_tol(ws->h[0][((size_t)img * m->P + p) * W + j], h, 1e-5);
            }
    fixture_free(&fx);
}
END_TEST

/* The sine first layer with its own latent scale, written out per pixel in
 * double: h1 = sin(ω0·(γ·Wx + b) + latent_omega·(z·Wz)); at latent_omega = 0
 * (the default) the latent shares ω0, as in plain SIREN over [γ, z]. */
START_TEST(sine_first_layer_latent_omega)
{
    const char *values[] = {"0", "0.5", "30"};
    for (int v = 0; v < 3; v++) {
        ModelConfig c;
        tiny_config(&c, COORD_GAUSSIAN, "sine");
        ck_assert_int_eq(config_set(&c, "network", "latent_omega", values[v], "test"), 0);
        double w0 = c.omega0, wz = c.latent_omega == 0.0f ? c.omega0 : c.latent_omega;
        Fixture fx;
        fixture_init(&fx, &c, 0, 5);
        const Model *m = &fx.m;
        const Workspace *ws = &fx.ws;
        const float *Wx = tensor_in(m, m->params, m->in_Wx);
        const float *Wz = tensor_in(m, m->params, m->in_Wz);
        const float *b = tensor_in(m, m->params, m->in_b);
        int E = m->E, d = m->latent, W = c.net_width;
        for (int img = 0; img < fx.B; img++)
            for (int p = 0; p < m->P; p++)
                for (int j = 0; j < W; j++) {
                    double gx = b[j], gz = 0;
                    for (int k = 0; k < E; k++)
                        gx += (double)ws->gamma[p * E + k] * Wx[k * W + j];
                    for (int k = 0; k < d; k++)
                        gz += (double)ws->z[img * d + k] * Wz[k * W + j];
                    double h = sin(w0 * gx + wz * gz);
                    ck_assert_double_eq_tol(ws->h[0][((size_t)img * m->P + p) * W + j], h, 2e-5);
                }
        fixture_free(&fx);
    }
}
END_TEST

/* Sampling every pixel (in a random order) gives the same loss as using all. */
START_TEST(subsampling_all_pixels_matches_full)
{
    ModelConfig c;
    tiny_config(&c, COORD_GAUSSIAN, "");
    Fixture full, sub;
    fixture_init(&full, &c, 0, 9);
    fixture_init(&sub, &c, 16, 9);
    memcpy(sub.ws.eps, full.ws.eps, sizeof(float) * 3 * 3);
    double a = fixture_loss(&full), b = fixture_loss(&sub);
    ck_assert_double_eq_tol(a, b, 1e-4 * fabs(a));
    fixture_free(&full);
    fixture_free(&sub);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("gradients");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, cb_mean_image_matches_its_integral);
    tcase_add_test(tc, coord_gaussian_input);
    tcase_add_test(tc, coord_film_rgb);
    tcase_add_test(tc, coord_sine);
    tcase_add_test(tc, coord_positional_gaussian_likelihood_subsampled);
    tcase_add_test(tc, coord_spectrum_film_sine);
    tcase_add_test(tc, coord_sine_latent_omega);
    tcase_add_test(tc, dense_decoder);
    tcase_add_test(tc, shallow_coord_decoders);
    tcase_add_test(tc, conv_decoder);
    tcase_add_test(tc, learned_sigma_gaussian_coord_rgb);
    tcase_add_test(tc, laplace_and_continuous_bernoulli);
    tcase_add_test(tc, focal_frequency_loss_and_free_bits);
    tcase_add_test(tc, kl_warmup_weights_the_rate);
    tcase_add_test(tc, conv_encoder_and_decoder_rgb);
    tcase_add_test(tc, conv_encoder_with_coord_and_dense_decoders);
    tcase_add_test(tc, conv_renders_only_at_its_own_size);
    tcase_add_test(tc, coordinate_network_without_latent);
    tcase_add_test(tc, tiled_rendering_matches_whole_grid);
    tcase_add_test(tc, render_any_resolution);
    tcase_add_test(tc, check_catches_a_wrong_gradient);
    tcase_add_test(tc, split_first_layer_equals_concatenation);
    tcase_add_test(tc, sine_first_layer_latent_omega);
    tcase_add_test(tc, subsampling_all_pixels_matches_full);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
