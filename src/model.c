/* model.c - the VAE's layout, initialisation, forward and backward passes.
 * The layers themselves are in layers.c and losses.c; this file wires them. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "ffl.h"
#include "layers.h"
#include "losses.h"
#include "model_bf16.h"
#include "util.h"
#include "workspace.h"

/* ---- layout -------------------------------------------------------------- */

static int add_dense(Model *m, const char *name, int in, int out, int *W, int *b)
{
    char buf[TENSOR_NAME_MAX];
    snprintf(buf, sizeof buf, "%s.W", name);
    *W = table_add(&m->table, buf, (size_t)in, (size_t)out);
    snprintf(buf, sizeof buf, "%s.b", name);
    *b = table_add(&m->table, buf, 1, (size_t)out);
    return (*W < 0 || *b < 0) ? -1 : 0;
}

/* A conv layer's weights [rows, cols] and bias [1, bias_n]. */
static int add_conv(Model *m, const char *name, int rows, int cols, int bias_n, int *W, int *b)
{
    char buf[TENSOR_NAME_MAX];
    snprintf(buf, sizeof buf, "%s.W", name);
    *W = table_add(&m->table, buf, (size_t)rows, (size_t)cols);
    snprintf(buf, sizeof buf, "%s.b", name);
    *b = table_add(&m->table, buf, 1, (size_t)bias_n);
    return (*W < 0 || *b < 0) ? -1 : 0;
}

/* Rows of a conv layer's im2col patch: k·k·C of its pixel side. */
static int patch_width(const ConvShape *s)
{
    return s->k * s->k * s->C;
}

static int encoding_rows(const ModelConfig *c)
{
    switch (c->encoding) {
    case ENCODING_NONE: return 0;
    case ENCODING_BASIC: return 2;
    case ENCODING_POSITIONAL: return 2 * c->frequencies;
    case ENCODING_GAUSSIAN:
    case ENCODING_SPECTRUM: return c->features;
    }
    return 0;
}

static int layout_params(Model *m)
{
    const ModelConfig *c = &m->cfg;
    int d = m->latent, W = c->net_width, rc = 0;
    char name[TENSOR_NAME_MAX];

    int in = m->P * m->C;
    for (int k = 0; k < m->n_enc_conv; k++) { /* conv2d weights [k·k·C, c] */
        const ConvShape *s = &m->enc_conv[k];
        snprintf(name, sizeof name, "encoder.%d", k);
        rc |= add_conv(m, name, patch_width(s), s->c, s->c, &m->enc_W[k], &m->enc_b[k]);
    }
    for (int k = 0; k < c->enc_layers && d > 0 && !m->n_enc_conv; k++) {
        snprintf(name, sizeof name, "encoder.%d", k);
        rc |= add_dense(m, name, in, c->enc_hidden[k], &m->enc_W[k], &m->enc_b[k]);
        in = c->enc_hidden[k];
    }
    in = m->enc_out;
    if (d > 0) {
        rc |= add_dense(m, "encoder.mu", in, d, &m->mu_W, &m->mu_b);
        rc |= add_dense(m, "encoder.logvar", in, d, &m->lv_W, &m->lv_b);
    }

    if (c->decoder == DECODER_COORD) {
        m->in_Wx = table_add(&m->table, "decoder.0.Wx", (size_t)m->E, (size_t)W);
        m->in_b = table_add(&m->table, "decoder.0.b", 1, (size_t)W);
        rc |= (m->in_Wx < 0 || m->in_b < 0);
        if (d > 0) {
            m->in_Wz = table_add(&m->table, "decoder.0.Wz", (size_t)d, (size_t)W);
            rc |= m->in_Wz < 0;
        }
        for (int k = 1; k < c->net_depth; k++) {
            snprintf(name, sizeof name, "decoder.%d", k);
            rc |= add_dense(m, name, W, W, &m->hid_W[k], &m->hid_b[k]);
            if (c->conditioning == COND_FILM) {
                snprintf(name, sizeof name, "decoder.%d.film", k);
                rc |= add_dense(m, name, d, W, &m->film_W[k], &m->film_b[k]);
            }
        }
        rc |= add_dense(m, "decoder.out", W, m->C, &m->out_W, &m->out_b);
    } else if (c->decoder == DECODER_CONV) {
        const ConvShape *s0 = &m->dec_conv[0];
        rc |= add_dense(m, "decoder.0", d, s0->h * s0->w * s0->c, &m->hid_W[0], &m->hid_b[0]);
        for (int j = 1; j <= c->net_depth; j++) { /* conv2d_transpose weights [c, k·k·C] */
            const ConvShape *s = &m->dec_conv[j - 1];
            int last = j == c->net_depth;
            snprintf(name, sizeof name, "decoder.%d", j);
            rc |= add_conv(m, last ? "decoder.out" : name, s->c, patch_width(s), s->C,
                           last ? &m->out_W : &m->hid_W[j], last ? &m->out_b : &m->hid_b[j]);
        }
    } else {
        for (int k = 0; k < c->net_depth; k++) {
            snprintf(name, sizeof name, "decoder.%d", k);
            rc |= add_dense(m, name, k == 0 ? d : W, W, &m->hid_W[k], &m->hid_b[k]);
        }
        rc |= add_dense(m, "decoder.out", W, m->P * m->C, &m->out_W, &m->out_b);
    }
    if (c->sigma_learned) { /* σ-VAE: one learned log scale per channel, trained by Adam */
        m->log_sigma = table_add(&m->table, "likelihood.log_sigma", 1, (size_t)m->C);
        rc |= m->log_sigma < 0;
    }
    return rc ? -1 : 0;
}

/* The conv layers' shapes (model.h) and what μ and log σ² read. The config
 * has refused sizes these layers cannot take (model_config.c); a config made
 * in code is checked again here. */
static int conv_layout(Model *m)
{
    const ModelConfig *c = &m->cfg;
    m->enc_out = c->enc_layers ? c->enc_hidden[c->enc_layers - 1] : m->P * m->C;
    if (c->encoder == ENCODER_CONV && m->latent > 0) {
        int H = m->H, W = m->W, C = m->C;
        m->n_enc_conv = c->enc_depth;
        for (int k = 0; k < c->enc_depth; k++) {
            ConvShape *s = &m->enc_conv[k];
            if (conv_shape(s, 1, H, W, C, c->enc_channels << k, CONV_KERNEL, CONV_STRIDE,
                           CONV_PAD) != 0) {
                ffvae_error("%s: a %dx%d map is too small for encoder convolution %d", c->name, H,
                            W, k + 1);
                return -1;
            }
            H = s->h, W = s->w, C = s->c;
        }
        m->enc_out = H * W * C;
    }
    if (c->decoder == DECODER_CONV) {
        int L = c->net_depth, f = 1 << L;
        int h = m->H / f, w = m->W / f, in = c->dec_channels;
        if (m->H % f || m->W % f || (c->dec_channels >> (L - 1)) < 1) {
            ffvae_error("%s: a conv decoder of depth %d and %d channels cannot make %dx%d images",
                        c->name, L, c->dec_channels, m->H, m->W);
            return -1;
        }
        for (int j = 1; j <= L; j++) {
            ConvShape *s = &m->dec_conv[j - 1];
            int out = j == L ? m->C : c->dec_channels >> j; /* halving; the last gives C */
            if (conv_transpose_shape(s, 1, h, w, in, out, CONV_KERNEL, CONV_STRIDE, CONV_PAD) != 0)
                return -1;
            h = s->H, w = s->W, in = out;
        }
    }
    return 0;
}

int model_create(Model *m, const ModelConfig *cfg)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->H = cfg->height;
    m->W = cfg->width;
    m->C = cfg->channels;
    m->P = m->H * m->W;
    m->latent = cfg->latent;
    if (cfg->decoder == DECODER_COORD) {
        m->F = encoding_rows(cfg);
        m->E = config_encoding_dim(cfg);
    }
    for (int k = 0; k < MODEL_MAX_LAYERS; k++)
        m->enc_W[k] = m->enc_b[k] = m->hid_W[k] = m->hid_b[k] = m->film_W[k] = m->film_b[k] = -1;
    m->mu_W = m->mu_b = m->lv_W = m->lv_b = -1;
    m->in_Wx = m->in_Wz = m->in_b = m->out_W = m->out_b = m->log_sigma = -1;
    /* Latent size 0 is a plain coordinate network f(x, y), for `ffvae fit`. */
    if (m->latent < 1 && (cfg->decoder != DECODER_COORD || cfg->conditioning == COND_FILM)) {
        ffvae_error("%s: [latent] size 0 needs a coordinate decoder without FiLM", cfg->name);
        return -1;
    }
    if (conv_layout(m) != 0)
        return -1;
    table_init(&m->table);
    if (layout_params(m) != 0)
        return -1;
    size_t n = m->table.total;
    m->params = checked_calloc(n, sizeof(float), "parameters");
    m->grads = checked_calloc(n, sizeof(float), "gradients");
    m->adam_m = checked_calloc(n, sizeof(float), "Adam first moments");
    m->adam_v = checked_calloc(n, sizeof(float), "Adam second moments");
    m->freqs = checked_calloc(m->F ? (size_t)m->F * 2 : 1, sizeof(float), "frequencies");
    if (!m->params || !m->grads || !m->adam_m || !m->adam_v || !m->freqs) {
        model_free(m);
        return -1;
    }
    return 0;
}

void model_free(Model *m)
{
    free(m->params);
    free(m->grads);
    free(m->adam_m);
    free(m->adam_v);
    free(m->freqs);
    m->params = m->grads = m->adam_m = m->adam_v = m->freqs = NULL;
}

size_t model_param_count(const Model *m)
{
    size_t n = 0;
    for (int i = 0; i < m->table.n; i++)
        n += tensor_size(&m->table.t[i]);
    return n;
}

/* FLOPs of one dense layer over N rows: forward, dW, and dx when needed. */
static double dense_flops(double N, double in, double out, int with_dx)
{
    return 2.0 * N * in * out * (with_dx ? 3 : 2);
}

double model_step_flops(const Model *m, int B, int Pb)
{
    const ModelConfig *c = &m->cfg;
    double W = c->net_width, d = m->latent, f = 0;
    double in = (double)m->P * m->C;
    for (int k = 0; k < m->n_enc_conv; k++) {
        ConvShape s = m->enc_conv[k];
        s.N = B;
        f += conv_gemm_flops(&s) * (k > 0 ? 3 : 2); /* forward, dW, and dx past the first */
    }
    for (int k = 0; k < c->enc_layers && d > 0 && !m->n_enc_conv; k++) {
        f += dense_flops(B, in, c->enc_hidden[k], k > 0); /* the image needs no gradient */
        in = c->enc_hidden[k];
    }
    if (d > 0)
        f += 2 * dense_flops(B, m->enc_out, d, m->n_enc_conv > 0 || c->enc_layers > 0);
    if (c->decoder == DECODER_CONV) {
        const ConvShape *s0 = &m->dec_conv[0];
        f += dense_flops(B, d, (double)s0->h * s0->w * s0->c, 1);
        for (int j = 0; j < c->net_depth; j++) {
            ConvShape s = m->dec_conv[j];
            s.N = B;
            f += 3 * conv_gemm_flops(&s); /* forward, dx, dW: each the same product's size */
        }
    } else if (c->decoder == DECODER_COORD) {
        double rows = (double)B * Pb;
        f += dense_flops(m->P, m->E, W, 0) + dense_flops(B, d, W, 1);
        for (int k = 1; k < c->net_depth; k++) {
            f += dense_flops(rows, W, W, 1);
            if (c->conditioning == COND_FILM)
                f += dense_flops(B, d, W, 1);
        }
        f += dense_flops(rows, W, m->C, 1);
    } else {
        for (int k = 0; k < c->net_depth; k++)
            f += dense_flops(B, k ? W : d, W, 1);
        f += dense_flops(B, W, (double)m->P * m->C, 1);
    }
    return f;
}

/* ---- initialisation ------------------------------------------------------ */

static void fill_uniform(float *x, size_t n, float bound, Rng *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] = bound * (2.0f * rng_uniform(r) - 1.0f);
}

static void init_tensor(Model *m, int idx, float bound, Rng *r)
{
    if (idx >= 0)
        fill_uniform(tensor_in(m, m->params, idx), tensor_size(&m->table.t[idx]), bound, r);
}

/* Bound of a hidden layer's weights for fan_in inputs:
 * ReLU: He-uniform sqrt(6/fan_in), which keeps activations' variance steady;
 * sine: SIREN's sqrt(6/fan_in)/ω0 (first layer: 1/fan_in), which keeps sin(ω0·)
 * in its well-behaved range. */
static float hidden_bound(const ModelConfig *c, int fan_in, int first)
{
    if (c->activation == ACT_SINE)
        return first ? 1.0f / (float)fan_in : sqrtf(6.0f / (float)fan_in) / c->omega0;
    return sqrtf(6.0f / (float)fan_in);
}

void model_init_params(Model *m, Rng *r)
{
    const ModelConfig *c = &m->cfg;
    memset(m->params, 0, m->table.total * sizeof(float)); /* biases start at zero */
    /* A learned scale starts at the fixed one's value (sigma's default, 0.1). */
    for (int ch = 0; m->log_sigma >= 0 && ch < m->C; ch++)
        tensor_in(m, m->params, m->log_sigma)[ch] = logf(c->sigma);
    int in = m->P * m->C;
    for (int k = 0; k < m->n_enc_conv; k++) /* He-uniform over the k·k·C inputs of a patch */
        init_tensor(m, m->enc_W[k], sqrtf(6.0f / (float)patch_width(&m->enc_conv[k])), r);
    for (int k = 0; k < c->enc_layers && !m->n_enc_conv; k++) {
        init_tensor(m, m->enc_W[k], sqrtf(6.0f / (float)in), r);
        in = c->enc_hidden[k];
    }
    in = m->enc_out;
    /* The heads are linear: a fan-in bound keeps μ and log σ² near 0 at start. */
    init_tensor(m, m->mu_W, 1.0f / sqrtf((float)in), r);
    init_tensor(m, m->lv_W, 1.0f / sqrtf((float)in), r);

    int W = c->net_width;
    if (c->decoder == DECODER_CONV) {
        init_tensor(m, m->hid_W[0], hidden_bound(c, m->latent, 1), r);
        for (int j = 1; j <= c->net_depth; j++) {
            /* A transposed convolution's output sums c·(k/stride)² inputs (each
             * output pixel is covered by (k/stride)² kernel positions): its fan-in. */
            const ConvShape *s = &m->dec_conv[j - 1];
            int q = s->k / s->stride, fan_in = s->c * (q > 0 ? q * q : 1);
            int last = j == c->net_depth;
            float bound = last ? 1.0f / sqrtf((float)fan_in) : hidden_bound(c, fan_in, 0);
            init_tensor(m, last ? m->out_W : m->hid_W[j], bound, r);
        }
        return;
    }
    if (c->decoder == DECODER_COORD) {
        /* The split layer is one layer over [γ, z]. Wz keeps this bound whatever
         * latent_omega is: that scale is applied in the forward pass (model.h). */
        int fan_in = m->E + m->latent;
        float bound = hidden_bound(c, fan_in, 1);
        init_tensor(m, m->in_Wx, bound, r);
        init_tensor(m, m->in_Wz, bound, r);
        for (int k = 1; k < c->net_depth; k++) {
            init_tensor(m, m->hid_W[k], hidden_bound(c, W, 0), r);
            init_tensor(m, m->film_W[k], 1.0f / sqrtf((float)m->latent), r);
        }
    } else {
        for (int k = 0; k < c->net_depth; k++)
            init_tensor(m, m->hid_W[k], hidden_bound(c, k == 0 ? m->latent : W, k == 0), r);
    }
    init_tensor(m, m->out_W, c->activation == ACT_SINE ? sqrtf(6.0f / (float)W) / c->omega0
                                                       : 1.0f / sqrtf((float)W), r);
}

int model_init_frequencies(Model *m, const uint8_t *images, int n, Rng *r)
{
    const ModelConfig *c = &m->cfg;
    if (m->F == 0)
        return 0;
    switch (c->encoding) {
    case ENCODING_NONE:
        return 0;
    case ENCODING_BASIC:
        basic_frequencies(m->freqs);
        return 0;
    case ENCODING_POSITIONAL:
        positional_frequencies(m->freqs, c->frequencies, c->top);
        return 0;
    case ENCODING_GAUSSIAN:
        gaussian_frequencies(m->freqs, m->F, c->freq_sigma, r);
        return 0;
    case ENCODING_SPECTRUM: {
        if (!images || n < 1) {
            ffvae_error("%s: the spectrum encoding needs training images", c->name);
            return -1;
        }
        double *power = checked_malloc((size_t)m->P, sizeof(double), "power spectrum");
        if (!power)
            return -1;
        int rc = mean_power_spectrum(power, images, n, m->H, m->W, m->C);
        if (rc == 0)
            rc = spectrum_frequencies(m->freqs, m->F, power, m->H, m->W, r);
        free(power);
        return rc;
    }
    }
    return 0;
}

/* ---- forward ------------------------------------------------------------- */

/* A conv layer's shape for a batch of B images. */
static ConvShape batch_of(const ConvShape *s, int B)
{
    ConvShape t = *s;
    t.N = B;
    return t;
}

/* Floats of a batch's patch side [N·h·w, c] and pixel side [N·H·W, C]. */
static size_t patch_floats(const ConvShape *s)
{
    return (size_t)s->N * s->h * s->w * s->c;
}

static size_t pixel_floats(const ConvShape *s)
{
    return (size_t)s->N * s->H * s->W * s->C;
}

static void activate(const ModelConfig *c, float *pre, float *h, size_t n)
{
    if (c->activation == ACT_SINE)
        sine_forward(h, pre, c->omega0, n);
    else
        relu_forward(h, h, n); /* ReLU runs in place: backward needs only its output */
}

static void encode(const Model *m, Workspace *ws, int B, Rng *r)
{
    const ModelConfig *c = &m->cfg;
    float *P = m->params;
    const float *in = ws->x;
    int in_dim = m->P * m->C, d = m->latent;
    if (d == 0)
        return;
    if (ws->bf16)
        encoder_layers_bf16(m, ws, B);
    for (int k = 0; k < m->n_enc_conv && !ws->bf16; k++) {
        ConvShape s = batch_of(&m->enc_conv[k], B);
        conv2d_forward(ws->enc_h[k], ws->col, in, tensor_in(m, P, m->enc_W[k]),
                       tensor_in(m, P, m->enc_b[k]), &s);
        relu_forward(ws->enc_h[k], ws->enc_h[k], patch_floats(&s));
        in = ws->enc_h[k];
        in_dim = m->enc_out;
    }
    for (int k = 0; k < c->enc_layers && !ws->bf16 && !m->n_enc_conv; k++) {
        int out = c->enc_hidden[k];
        dense_forward(ws->enc_h[k], in, tensor_in(m, P, m->enc_W[k]), tensor_in(m, P, m->enc_b[k]),
                      B, in_dim, out);
        relu_forward(ws->enc_h[k], ws->enc_h[k], (size_t)B * out);
        in = ws->enc_h[k];
        in_dim = out;
    }
    if (!ws->bf16) {
        dense_forward(ws->mu, in, tensor_in(m, P, m->mu_W), tensor_in(m, P, m->mu_b), B, in_dim, d);
        dense_forward(ws->logvar, in, tensor_in(m, P, m->lv_W), tensor_in(m, P, m->lv_b), B,
                      in_dim, d);
    }
    size_t n = (size_t)B * d;
    if (r)
        rng_normal_fill(r, ws->eps, (long)n);
    reparam_forward(ws->z, ws->mu, ws->logvar, ws->eps, n);
}

void model_encode(const Model *m, Workspace *ws, int B, Rng *r)
{
    if (ws->bf16)
        cast_weights_bf16(m, ws);
    encode(m, ws, B, r);
}

/* Where layer k writes its pre-activation: a separate buffer for sine (whose
 * backward needs it), else straight into h (ReLU then runs in place). */
static float *pre_of(const Workspace *ws, int k)
{
    return ws->pre[k] ? ws->pre[k] : ws->h[k];
}

/* h = act(pre + bias + s[image]) over B images of P rows, in one pass. */
static void bias_activate(const ModelConfig *c, float *h, float *pre, const float *bias,
                          const float *s, int B, int P, int W)
{
    if (c->activation == ACT_SINE)
        bias_sine_forward(h, pre, bias, s, c->omega0, B, P, W);
    else
        bias_relu_forward(h, bias, s, B, P, W); /* pre == h: ReLU runs in place */
}

/* The split first layer's output into buf: gx gathered per pixel plus gz per
 * image (which holds the bias), then the activation. No GEMM, so backward
 * recomputes it rather than keeping it. */
static void first_layer(const Model *m, const Workspace *ws, int B, float *buf)
{
    const ModelConfig *c = &m->cfg;
    rows_gather_forward(buf, ws->gx, ws->pix, B, ws->Pb, c->net_width);
    bias_activate(c, buf, buf, NULL, ws->gz, B, ws->Pb, c->net_width); /* in place */
}

static void decode_coord(const Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *P = m->params;
    int W = c->net_width, d = m->latent, Pb = ws->Pb;
    size_t rows = (size_t)B * Pb;

    dense_forward(ws->gx, ws->gamma, tensor_in(m, P, m->in_Wx), NULL, ws->P_grid, m->E, W);
    float r = model_latent_ratio(c);
    if (r == 1.0f) {
        dense_forward(ws->gz, ws->z, tensor_in(m, P, m->in_Wz), tensor_in(m, P, m->in_b), B, d, W);
    } else { /* gz = r·(z·Wz) + b: latent_omega on z's share, ω0 on the rest (model.h) */
        dense_forward(ws->gz, ws->z, tensor_in(m, P, m->in_Wz), NULL, B, d, W);
        scale_bias_rows(ws->gz, r, tensor_in(m, P, m->in_b), (size_t)B, W);
    }
    first_layer(m, ws, B, ws->h[0]);

    for (int k = 1; k < c->net_depth; k++) {
        float *pre = pre_of(ws, k);
        /* No bias in the GEMM: it joins the activation's pass (bias_*_forward). */
        dense_forward(pre, ws->h[k - 1], tensor_in(m, P, m->hid_W[k]), NULL, (int)rows, W, W);
        const float *shift = NULL;
        if (c->conditioning == COND_FILM) {
            dense_forward(ws->shift, ws->z, tensor_in(m, P, m->film_W[k]),
                          tensor_in(m, P, m->film_b[k]), B, d, W);
            shift = ws->shift;
        }
        bias_activate(c, ws->h[k], pre, tensor_in(m, P, m->hid_b[k]), shift, B, Pb, W);
    }
    dense_forward(ws->logits, ws->h[c->net_depth - 1], tensor_in(m, P, m->out_W),
                  tensor_in(m, P, m->out_b), (int)rows, W, m->C);
}

static void decode_dense(const Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *P = m->params;
    int W = c->net_width;
    const float *in = ws->z;
    int in_dim = m->latent;
    for (int k = 0; k < c->net_depth; k++) {
        float *pre = pre_of(ws, k);
        dense_forward(pre, in, tensor_in(m, P, m->hid_W[k]), tensor_in(m, P, m->hid_b[k]), B,
                      in_dim, W);
        activate(c, pre, ws->h[k], (size_t)B * W);
        in = ws->h[k];
        in_dim = W;
    }
    dense_forward(ws->logits, in, tensor_in(m, P, m->out_W), tensor_in(m, P, m->out_b), B, W,
                  m->P * m->C);
}

/* z → dense → the start map → transposed convolutions → logits [B, H·W·C]. */
static void decode_conv(const Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *P = m->params;
    int L = c->net_depth;
    const ConvShape *s0 = &m->dec_conv[0];
    int start = s0->h * s0->w * s0->c;
    float *pre = pre_of(ws, 0);
    dense_forward(pre, ws->z, tensor_in(m, P, m->hid_W[0]), tensor_in(m, P, m->hid_b[0]), B,
                  m->latent, start);
    activate(c, pre, ws->h[0], (size_t)B * start);
    for (int j = 1; j <= L; j++) {
        ConvShape s = batch_of(&m->dec_conv[j - 1], B);
        int last = j == L;
        float *y = last ? ws->logits : pre_of(ws, j);
        conv2d_transpose_forward(y, ws->col, ws->h[j - 1],
                                 tensor_in(m, P, last ? m->out_W : m->hid_W[j]),
                                 tensor_in(m, P, last ? m->out_b : m->hid_b[j]), &s);
        if (!last)
            activate(c, y, ws->h[j], pixel_floats(&s));
    }
}

static void decode(const Model *m, Workspace *ws, int B)
{
    int coord = m->cfg.decoder == DECODER_COORD;
    if (ws->bf16 && m->cfg.decoder == DECODER_CONV)
        decode_conv_bf16(m, ws, B);
    else if (ws->bf16)
        (coord ? decode_coord_bf16 : decode_dense_bf16)(m, ws, B);
    else if (coord)
        decode_coord(m, ws, B);
    else if (m->cfg.decoder == DECODER_CONV)
        decode_conv(m, ws, B);
    else
        decode_dense(m, ws, B);
}

void model_decode(const Model *m, Workspace *ws, int B)
{
    if (ws->bf16)
        cast_weights_bf16(m, ws);
    decode(m, ws, B);
}

/* Pixels compared per image this step, and the factor that scales their
 * reconstruction sum to an estimate for the whole image. */
static double pixel_scale(const Model *m, const Workspace *ws)
{
    return ws->pix ? (double)m->P / (double)ws->Pb : 1.0;
}

/* The log scale per channel of a Gaussian or Laplace likelihood: the learned
 * tensor, or log sigma in buf. */
static const float *log_scale_of(const Model *m, float *buf)
{
    if (m->log_sigma >= 0)
        return tensor_in(m, m->params, m->log_sigma);
    for (int ch = 0; ch < m->C; ch++)
        buf[ch] = logf(m->cfg.sigma);
    return buf;
}

LossParts model_loss(const Model *m, const Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    LossParts lp;
    size_t n = (size_t)B * (size_t)ws->Pb * (size_t)m->C;
    float buf[3];
    switch (c->likelihood) {
    case LIKELIHOOD_GAUSSIAN:
        lp.recon = m->log_sigma >= 0
                       ? scaled_nll_forward(ws->logits, ws->target, log_scale_of(m, buf), m->C, 0, n)
                       : gaussian_nll_forward(ws->logits, ws->target, c->sigma, n);
        break;
    case LIKELIHOOD_LAPLACE:
        lp.recon = scaled_nll_forward(ws->logits, ws->target, log_scale_of(m, buf), m->C, 1, n);
        break;
    case LIKELIHOOD_CONTINUOUS_BERNOULLI:
        lp.recon = cb_nll_forward(ws->logits, ws->target, n);
        break;
    default:
        lp.recon = bce_logits_forward(ws->logits, ws->target, n);
        break;
    }
    lp.recon *= pixel_scale(m, ws);
    size_t bd = (size_t)B * m->latent;
    lp.kl = kl_forward(ws->mu, ws->logvar, bd);
    lp.rate = c->free_bits > 0 && m->latent > 0
                  ? kl_free_bits_forward(ws->mu, ws->logvar, B, m->latent, c->free_bits)
                  : lp.kl;
    lp.ffl = 0;
    if (ws->ffl_on) /* the plan's scratch is ws's, not the const view's */
        lp.ffl = c->focal_frequency * ffl_forward((FflPlan *)&ws->ffl, ws->logits, ws->target,
                                                  c->focal_alpha, B);
    if (ws->failed) /* a bf16 product failed (reported): no step may use this pass */
        lp.recon = NAN;
    return lp;
}

LossParts model_forward(const Model *m, Workspace *ws, int B, Rng *r)
{
    if (ws->bf16) /* the weights in bf16 once per step, for the encoder, decoder and backward */
        cast_weights_bf16(m, ws);
    encode(m, ws, B, r);
    decode(m, ws, B);
    return model_loss(m, ws, B);
}

/* ---- backward ------------------------------------------------------------ */

/* dh = d(pre) from dh = d(h), in place; `saved` is what the activation's
 * backward reads: the pre-activation for sine, the output for ReLU. */
static void activate_backward(const ModelConfig *c, float *dh, const float *saved, size_t n)
{
    if (c->activation == ACT_SINE)
        sine_backward(dh, dh, saved, c->omega0, n);
    else
        relu_backward(dh, dh, saved, n);
}

static const float *saved_for_backward(const Workspace *ws, int k)
{
    return ws->pre[k] ? ws->pre[k] : ws->h[k];
}

/* A stack of the [rows, W] buffers free during backward. */
typedef struct {
    float *buf[MODEL_MAX_LAYERS + 2];
    int n;
} FreeBuffers;

static void give(FreeBuffers *f, float *b)
{
    f->buf[f->n++] = b;
}

static float *take(FreeBuffers *f)
{
    return f->buf[--f->n];
}

static void add_into(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

/* Back from dlogits to dz (overwritten) through the coordinate decoder. Each
 * h[k] buffer is reused once consumed; h[0] is recomputed when needed. */
static void backward_coord(Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *P = m->params, *G = m->grads;
    int W = c->net_width, d = m->latent, Pb = ws->Pb, L = c->net_depth;
    size_t rows = (size_t)B * Pb, bd = (size_t)B * d, n = rows * (size_t)W;
    FreeBuffers free_bufs = {.n = 0};
    float *again = NULL; /* h[0] recomputed for layer 1's weight gradient */
    for (int k = ws->n_pool - 1; k >= L; k--)
        give(&free_bufs, ws->pool[k]);
    if (L > 1)
        give(&free_bufs, ws->pool[0]); /* h[0] can be recomputed */

    float *dh = take(&free_bufs);
    dense_backward(dh, tensor_in(m, G, m->out_W), tensor_in(m, G, m->out_b), ws->dlogits,
                   ws->h[L - 1], tensor_in(m, P, m->out_W), (int)rows, W, m->C);
    memset(ws->dz, 0, bd * sizeof(float));
    for (int k = L - 1; k >= 1; k--) {
        /* dh becomes d(pre_k), and the bias gradient is summed in the same pass. */
        float *db = tensor_in(m, G, m->hid_b[k]);
        if (c->activation == ACT_SINE)
            sine_backward_bias(dh, db, dh, ws->pre[k], c->omega0, rows, W);
        else
            relu_backward_bias(dh, db, dh, ws->h[k], rows, W);
        give(&free_bufs, ws->h[k]); /* consumed: layer k+1's backward was its last use */
        if (c->conditioning == COND_FILM) {
            rows_add_backward(ws->dgz, dh, B, Pb, W);
            dense_backward(ws->dz_part, tensor_in(m, G, m->film_W[k]), tensor_in(m, G, m->film_b[k]),
                           ws->dgz, ws->z, tensor_in(m, P, m->film_W[k]), B, d, W);
            add_into(ws->dz, ws->dz_part, bd);
        }
        float *input = ws->h[k - 1];
        if (k == 1) {
            again = input = take(&free_bufs);
            first_layer(m, ws, B, again);
        }
        float *dh_in = take(&free_bufs);
        dense_backward(dh_in, tensor_in(m, G, m->hid_W[k]), NULL, dh, input,
                       tensor_in(m, P, m->hid_W[k]), (int)rows, W, W);
        give(&free_bufs, dh);
        if (k == 1)
            give(&free_bufs, again);
        dh = dh_in;
    }
    if (c->activation == ACT_SINE) {
        /* Sine's backward reads the pre-activation gx[pixel] + gz[image],
         * formed on the fly in the same pass rather than stored. */
        gather_sine_backward(dh, dh, ws->gx, ws->pix, ws->gz, c->omega0, B, Pb, W);
    } else {
        /* Depth 1 has no spare, but h[0] itself is consumed by now. ReLU's
         * backward reads h[0], which k = 1 just recomputed into the buffer the
         * stack hands back (the last one given). */
        float *saved = L > 1 ? take(&free_bufs) : ws->h[0];
        if (saved != again)
            first_layer(m, ws, B, saved);
        relu_backward(dh, dh, saved, n);
    }
    /* The split first layer: the z term is per image, the γ term per grid pixel. */
    rows_add_backward(ws->dgz, dh, B, Pb, W);
    float r = model_latent_ratio(c);
    float *db0 = tensor_in(m, G, m->in_b);
    if (r != 1.0f) { /* gz = r·(z·Wz) + b: b takes dgz, z·Wz takes r·dgz */
        bias_backward(db0, ws->dgz, (size_t)B, W);
        scale_bias_rows(ws->dgz, r, NULL, (size_t)B, W);
        db0 = NULL;
    }
    dense_backward(ws->dz_part, tensor_in(m, G, m->in_Wz), db0, ws->dgz, ws->z,
                   tensor_in(m, P, m->in_Wz), B, d, W);
    add_into(ws->dz, ws->dz_part, bd);
    rows_gather_backward(ws->dgx, dh, ws->pix, B, Pb, ws->P_grid, W);
    dense_backward(NULL, tensor_in(m, G, m->in_Wx), NULL, ws->dgx, ws->gamma,
                   tensor_in(m, P, m->in_Wx), ws->P_grid, m->E, W);
}

static void backward_dense(Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *P = m->params, *G = m->grads;
    int W = c->net_width, L = c->net_depth;
    /* [B, W] buffers are small: two spares beyond the activations. */
    float *dh = ws->pool[L], *dh_next = ws->pool[L + 1];
    dense_backward(dh, tensor_in(m, G, m->out_W), tensor_in(m, G, m->out_b), ws->dlogits,
                   ws->h[L - 1], tensor_in(m, P, m->out_W), B, W, m->P * m->C);
    for (int k = L - 1; k >= 0; k--) {
        activate_backward(c, dh, saved_for_backward(ws, k), (size_t)B * W);
        int in_dim = k ? W : m->latent;
        dense_backward(k ? dh_next : ws->dz, tensor_in(m, G, m->hid_W[k]),
                       tensor_in(m, G, m->hid_b[k]), dh, k ? ws->h[k - 1] : ws->z,
                       tensor_in(m, P, m->hid_W[k]), B, in_dim, W);
        float *t = dh;
        dh = dh_next;
        dh_next = t;
    }
}

/* Back from dlogits to dz (overwritten) through the conv decoder, with two
 * buffers as large as its largest map taking turns. */
static void backward_conv(Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *P = m->params, *G = m->grads;
    int L = c->net_depth;
    float *dh = ws->dconv_a, *dh_next = ws->dconv_b;
    for (int j = L; j >= 1; j--) {
        ConvShape s = batch_of(&m->dec_conv[j - 1], B);
        int last = j == L;
        if (!last)
            activate_backward(c, dh, saved_for_backward(ws, j), pixel_floats(&s));
        conv2d_transpose_backward(dh_next, tensor_in(m, G, last ? m->out_W : m->hid_W[j]),
                                  tensor_in(m, G, last ? m->out_b : m->hid_b[j]), ws->col,
                                  last ? ws->dlogits : dh, ws->h[j - 1],
                                  tensor_in(m, P, last ? m->out_W : m->hid_W[j]), &s);
        float *t = dh;
        dh = dh_next;
        dh_next = t;
    }
    const ConvShape *s0 = &m->dec_conv[0];
    int start = s0->h * s0->w * s0->c;
    activate_backward(c, dh, saved_for_backward(ws, 0), (size_t)B * start);
    dense_backward(ws->dz, tensor_in(m, G, m->hid_W[0]), tensor_in(m, G, m->hid_b[0]), dh, ws->z,
                   tensor_in(m, P, m->hid_W[0]), B, m->latent, start);
}

/* Back from dz (and the KL) to the encoder's weights. */
static void backward_encoder(Model *m, Workspace *ws, int B, float kl_scale)
{
    const ModelConfig *c = &m->cfg;
    float *P = m->params, *G = m->grads;
    int d = m->latent;
    size_t bd = (size_t)B * d;
    if (d == 0)
        return;
    memset(ws->dmu, 0, bd * sizeof(float));
    memset(ws->dlogvar, 0, bd * sizeof(float));
    if (c->free_bits > 0)
        kl_free_bits_backward(ws->dmu, ws->dlogvar, ws->mu, ws->logvar, B, d, c->free_bits,
                              kl_scale);
    else
        kl_backward(ws->dmu, ws->dlogvar, ws->mu, ws->logvar, kl_scale, bd);
    reparam_backward(ws->dmu, ws->dlogvar, ws->dz, ws->logvar, ws->eps, bd);
    if (ws->bf16) {
        backward_encoder_layers_bf16(m, ws, B);
        return;
    }

    int conv = m->n_enc_conv > 0;
    int nl = conv ? m->n_enc_conv : c->enc_layers;
    const float *h_last = nl ? ws->enc_h[nl - 1] : ws->x;
    int in_dim = m->enc_out;
    float *da = ws->denc_a, *db = ws->denc_b;
    dense_backward(nl ? da : NULL, tensor_in(m, G, m->mu_W), tensor_in(m, G, m->mu_b), ws->dmu,
                   h_last, tensor_in(m, P, m->mu_W), B, in_dim, d);
    dense_backward(nl ? db : NULL, tensor_in(m, G, m->lv_W), tensor_in(m, G, m->lv_b),
                   ws->dlogvar, h_last, tensor_in(m, P, m->lv_W), B, in_dim, d);
    if (!nl)
        return;
    add_into(da, db, (size_t)B * in_dim);
    for (int k = nl - 1; k >= 0 && conv; k--) {
        ConvShape s = batch_of(&m->enc_conv[k], B);
        relu_backward(da, da, ws->enc_h[k], patch_floats(&s));
        /* The input image needs no gradient: dx is NULL for the first layer. */
        conv2d_backward(k ? db : NULL, tensor_in(m, G, m->enc_W[k]), tensor_in(m, G, m->enc_b[k]),
                        ws->col, ws->dcol, da, k ? ws->enc_h[k - 1] : ws->x,
                        tensor_in(m, P, m->enc_W[k]), &s);
        float *t = da;
        da = db;
        db = t;
    }
    for (int k = nl - 1; k >= 0 && !conv; k--) {
        int out = c->enc_hidden[k];
        int in = k ? c->enc_hidden[k - 1] : m->P * m->C;
        relu_backward(da, da, ws->enc_h[k], (size_t)B * out);
        /* The input image needs no gradient: dx is NULL for the first layer. */
        dense_backward(k ? db : NULL, tensor_in(m, G, m->enc_W[k]), tensor_in(m, G, m->enc_b[k]),
                       da, k ? ws->enc_h[k - 1] : ws->x, tensor_in(m, P, m->enc_W[k]), B, in, out);
        float *t = da;
        da = db;
        db = t;
    }
}

int model_prepare_step(Model *m, Workspace *ws, int B)
{
    if (!ws->bf16)
        return 0;
    /* No batch has chosen its pixels yet: give the gathers valid ones (each
     * step draws its own before it runs). */
    if (ws->pix)
        for (size_t i = 0; i < (size_t)B * ws->Pb; i++)
            ws->pix[i] = (int32_t)(i % (size_t)ws->Pb);
    model_forward(m, ws, B, NULL);
    if (!ws->failed)
        model_backward(m, ws, B, 1.0f, 1.0f);
    memset(m->grads, 0, m->table.total * sizeof(float));
    return ws->failed ? -1 : 0;
}

void model_backward(Model *m, Workspace *ws, int B, float recon_scale, float kl_scale)
{
    size_t n = (size_t)B * (size_t)ws->Pb * (size_t)m->C;
    const ModelConfig *c = &m->cfg;
    float scale = recon_scale * (float)pixel_scale(m, ws), buf[3];
    switch (c->likelihood) {
    case LIKELIHOOD_GAUSSIAN:
    case LIKELIHOOD_LAPLACE:
        if (c->likelihood == LIKELIHOOD_GAUSSIAN && m->log_sigma < 0)
            gaussian_nll_backward(ws->dlogits, ws->logits, ws->target, c->sigma, scale, n);
        else
            scaled_nll_backward(ws->dlogits, tensor_in(m, m->grads, m->log_sigma), ws->logits,
                                ws->target, log_scale_of(m, buf), m->C,
                                c->likelihood == LIKELIHOOD_LAPLACE, scale, n);
        break;
    case LIKELIHOOD_CONTINUOUS_BERNOULLI:
        cb_nll_backward(ws->dlogits, ws->logits, ws->target, scale, n);
        break;
    default:
        bce_logits_backward(ws->dlogits, ws->logits, ws->target, scale, n);
        break;
    }
    if (ws->ffl_on) /* added to the likelihood's dlogits, with the same per-image scale */
        ffl_backward(&ws->ffl, ws->dlogits, ws->logits, ws->target, c->focal_alpha,
                     recon_scale * c->focal_frequency, B);
    int coord = m->cfg.decoder == DECODER_COORD;
    if (ws->bf16 && m->cfg.decoder == DECODER_CONV)
        backward_conv_bf16(m, ws, B);
    else if (ws->bf16)
        (coord ? backward_coord_bf16 : backward_dense_bf16)(m, ws, B);
    else if (coord)
        backward_coord(m, ws, B);
    else if (m->cfg.decoder == DECODER_CONV)
        backward_conv(m, ws, B);
    else
        backward_dense(m, ws, B);
    backward_encoder(m, ws, B, kl_scale);
}
