/* model_bf16.c - the encoder and both decoders in bf16 (model_bf16.h).
 * Buffers: ws->pool[0] is the one fp32 [rows, W] buffer (a product's output,
 * read by the fused pass that follows), ws->hb[k] the bf16 activations kept
 * for backward, ws->dhb the bf16 d(pre) the backward products read. A dense
 * decoder's rows are its B images.
 * The conv layers keep model.c's fp32 buffers (ws->h, ws->enc_h, ws->dconv_*)
 * and add a bf16 copy of each map a product reads (ws->hb, ws->enc_hb, ws->dhb,
 * ws->denc_hb) and a bf16 im2col scratch (ws->col_b). */
#include "model_bf16.h"

#include <string.h>

#include "bf16.h"
#include "conv.h"
#include "layers.h"

/* A tensor's weights in the bf16 copy (ws->wb shares m->table's layout). */
static const uint16_t *wb(const Model *m, const Workspace *ws, int idx)
{
    return ws->wb + m->table.t[idx].offset;
}

static void check(Workspace *ws, int rc)
{
    if (rc != 0)
        ws->failed = 1;
}

static void add_into(float *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

void cast_weights_bf16(const Model *m, Workspace *ws)
{
    bf16_from_floats(ws->wb, m->params, m->table.total);
}

void encoder_layers_bf16(const Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *P = m->params;
    int in_dim = m->P * m->C, d = m->latent;
    bf16_from_floats(ws->x_b, ws->x, (size_t)B * in_dim);
    const uint16_t *in = ws->x_b;
    for (int k = 0; k < m->n_enc_conv; k++) {
        ConvShape s = m->enc_conv[k];
        s.N = B;
        size_t n = (size_t)B * s.h * s.w * s.c;
        check(ws, conv2d_forward_bf16(ws->gemm, ws->enc_h[k], ws->col_b, in,
                                      wb(m, ws, m->enc_W[k]), tensor_in(m, P, m->enc_b[k]), &s));
        relu_forward(ws->enc_h[k], ws->enc_h[k], n);
        bf16_from_floats(ws->enc_hb[k], ws->enc_h[k], n);
        in = ws->enc_hb[k];
        in_dim = m->enc_out;
    }
    for (int k = 0; k < c->enc_layers && !m->n_enc_conv; k++) {
        int out = c->enc_hidden[k];
        /* The product writes the bf16 ReLU itself; backward needs only its sign. */
        check(ws, dense_bias_relu_forward_bf16(ws->gemm, ws->enc_hb[k], in, wb(m, ws, m->enc_W[k]),
                                               tensor_in(m, P, m->enc_b[k]), B, in_dim, out));
        in = ws->enc_hb[k];
        in_dim = out;
    }
    check(ws, dense_forward_bf16(ws->gemm, ws->mu, in, wb(m, ws, m->mu_W),
                                 tensor_in(m, P, m->mu_b), B, in_dim, d));
    check(ws, dense_forward_bf16(ws->gemm, ws->logvar, in, wb(m, ws, m->lv_W),
                                 tensor_in(m, P, m->lv_b), B, in_dim, d));
}

void backward_encoder_layers_bf16(Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *G = m->grads;
    int conv = m->n_enc_conv > 0;
    int d = m->latent, nl = conv ? m->n_enc_conv : c->enc_layers;
    GemmCache *g = ws->gemm;
    const uint16_t *h_last = nl ? ws->enc_hb[nl - 1] : ws->x_b;
    int in_dim = m->enc_out;
    float *da = ws->denc_a, *db = ws->denc_b;
    bf16_from_floats(ws->dmu_b, ws->dmu, (size_t)B * d);
    bf16_from_floats(ws->dlogvar_b, ws->dlogvar, (size_t)B * d);
    check(ws, dense_backward_bf16(g, nl ? da : NULL, tensor_in(m, G, m->mu_W), ws->dmu_b, h_last,
                                  wb(m, ws, m->mu_W), B, in_dim, d));
    bias_backward(tensor_in(m, G, m->mu_b), ws->dmu, (size_t)B, d);
    check(ws, dense_backward_bf16(g, nl ? db : NULL, tensor_in(m, G, m->lv_W), ws->dlogvar_b,
                                  h_last, wb(m, ws, m->lv_W), B, in_dim, d));
    bias_backward(tensor_in(m, G, m->lv_b), ws->dlogvar, (size_t)B, d);
    if (!nl)
        return;
    add_into(da, db, (size_t)B * in_dim);
    for (int k = nl - 1; k >= 0 && conv; k--) {
        ConvShape s = m->enc_conv[k];
        s.N = B;
        size_t n = (size_t)B * s.h * s.w * s.c;
        relu_backward(da, da, ws->enc_h[k], n);
        bf16_from_floats(ws->denc_hb, da, n);
        /* The input image needs no gradient: dx is NULL for the first layer. */
        check(ws, conv2d_backward_bf16(g, k ? db : NULL, tensor_in(m, G, m->enc_W[k]),
                                       tensor_in(m, G, m->enc_b[k]), ws->col_b, ws->dcol,
                                       ws->denc_hb, da, k ? ws->enc_hb[k - 1] : ws->x_b,
                                       wb(m, ws, m->enc_W[k]), &s));
        float *t = da;
        da = db;
        db = t;
    }
    for (int k = nl - 1; k >= 0 && !conv; k--) {
        int out = c->enc_hidden[k], in = k ? c->enc_hidden[k - 1] : m->P * m->C;
        relu_backward_bias_bf16(ws->denc_hb, NULL, tensor_in(m, G, m->enc_b[k]), da,
                                ws->enc_hb[k], (size_t)B, out);
        /* The input image needs no gradient: dx is NULL for the first layer. */
        check(ws, dense_backward_bf16(g, k ? db : NULL, tensor_in(m, G, m->enc_W[k]), ws->denc_hb,
                                      k ? ws->enc_hb[k - 1] : ws->x_b, wb(m, ws, m->enc_W[k]), B,
                                      in, out));
        float *t = da;
        da = db;
        db = t;
    }
}

void decode_coord_bf16(const Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *P = m->params;
    int W = c->net_width, d = m->latent, Pb = ws->Pb, L = c->net_depth;
    int rows = B * Pb;
    GemmCache *g = ws->gemm;
    int sine = c->activation == ACT_SINE;

    bf16_from_floats(ws->z_b, ws->z, (size_t)B * d);
    check(ws, dense_forward_bf16(g, ws->gx, ws->gamma_b, wb(m, ws, m->in_Wx), NULL, ws->P_grid,
                                 m->E, W));
    float r = model_latent_ratio(c);
    if (d > 0 && r == 1.0f) {
        check(ws, dense_forward_bf16(g, ws->gz, ws->z_b, wb(m, ws, m->in_Wz),
                                     tensor_in(m, P, m->in_b), B, d, W));
    } else if (d > 0) { /* gz = r·(z·Wz) + b: latent_omega on z's share (model.h) */
        check(ws, dense_forward_bf16(g, ws->gz, ws->z_b, wb(m, ws, m->in_Wz), NULL, B, d, W));
        scale_bias_rows(ws->gz, r, tensor_in(m, P, m->in_b), (size_t)B, W);
    } else /* no latent (fit): the bias alone */
        dense_forward(ws->gz, NULL, NULL, tensor_in(m, P, m->in_b), B, 0, W);

    /* The split first layer, gathered and activated into bf16 in one pass. */
    float *buf = ws->pool[0];
    if (sine)
        gather_sine_forward_bf16(ws->hb[0], ws->gx, ws->pix, ws->gz, c->omega0, B, Pb, W);
    else
        gather_relu_forward_bf16(ws->hb[0], ws->gx, ws->pix, ws->gz, B, Pb, W);

    for (int k = 1; k < L; k++) {
        if (!sine && c->conditioning != COND_FILM) { /* bias and ReLU in the product, to bf16 */
            check(ws, dense_bias_relu_forward_bf16(g, ws->hb[k], ws->hb[k - 1],
                                                   wb(m, ws, m->hid_W[k]),
                                                   tensor_in(m, P, m->hid_b[k]), rows, W, W));
            continue;
        }
        float *pre = sine ? ws->pre[k] : buf; /* sine's backward needs its pre-activation */
        check(ws, dense_forward_bf16(g, pre, ws->hb[k - 1], wb(m, ws, m->hid_W[k]), NULL, rows,
                                     W, W));
        const float *shift = NULL;
        if (c->conditioning == COND_FILM) {
            check(ws, dense_forward_bf16(g, ws->shift, ws->z_b, wb(m, ws, m->film_W[k]),
                                         tensor_in(m, P, m->film_b[k]), B, d, W));
            shift = ws->shift;
        }
        if (sine)
            bias_sine_forward_bf16(ws->hb[k], pre, tensor_in(m, P, m->hid_b[k]), shift,
                                   c->omega0, B, Pb, W);
        else
            bias_relu_forward_bf16(ws->hb[k], pre, tensor_in(m, P, m->hid_b[k]), shift, B, Pb,
                                   W);
    }
    check(ws, dense_forward_bf16(g, ws->logits, ws->hb[L - 1], wb(m, ws, m->out_W),
                                 tensor_in(m, P, m->out_b), rows, W, m->C));
}

/* dgz (fp32, [B, W]) back through gz = r · (z · Wz_or_F) + b into the weight,
 * the bias and dz (r: model_latent_ratio for the first layer, 1 for FiLM). */
static void latent_term_backward(Model *m, Workspace *ws, int B, int W_idx, int b_idx, float r)
{
    int W = m->cfg.net_width, d = m->latent;
    bias_backward(tensor_in(m, m->grads, b_idx), ws->dgz, (size_t)B, W);
    if (d == 0)
        return;
    if (r != 1.0f)
        scale_bias_rows(ws->dgz, r, NULL, (size_t)B, W);
    bf16_from_floats(ws->dgz_b, ws->dgz, (size_t)B * W);
    check(ws, dense_backward_bf16(ws->gemm, ws->dz_part, tensor_in(m, m->grads, W_idx), ws->dgz_b,
                                  ws->z_b, wb(m, ws, W_idx), B, d, W));
    add_into(ws->dz, ws->dz_part, (size_t)B * d);
}

void backward_coord_bf16(Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *G = m->grads;
    int W = c->net_width, d = m->latent, Pb = ws->Pb, L = c->net_depth;
    int rows = B * Pb, sine = c->activation == ACT_SINE;
    int film = c->conditioning == COND_FILM;
    GemmCache *g = ws->gemm;
    float *dh = ws->pool[0]; // [rows, W] fp32: each dx product's output
    /* Without FiLM no fp32 d(h) is needed but the first layer's: the products
     * into hidden layers write it in bf16, in the same buffer (half of it). */
    uint16_t *dh_b = (uint16_t *)ws->pool[0];

    bf16_from_floats(ws->dlogits_b, ws->dlogits, (size_t)rows * m->C);
    if (!film && L > 1)
        check(ws, dense_backward_bf16_dxb(g, dh_b, tensor_in(m, G, m->out_W), ws->dlogits_b,
                                          ws->hb[L - 1], wb(m, ws, m->out_W), rows, W, m->C));
    else
        check(ws, dense_backward_bf16(g, dh, tensor_in(m, G, m->out_W), ws->dlogits_b,
                                      ws->hb[L - 1], wb(m, ws, m->out_W), rows, W, m->C));
    bias_backward(tensor_in(m, G, m->out_b), ws->dlogits, (size_t)rows, m->C);
    memset(ws->dz, 0, (size_t)B * d * sizeof(float));
    for (int k = L - 1; k >= 1 && !film; k--) {
        float *db = tensor_in(m, G, m->hid_b[k]);
        if (sine)
            sine_backward_bias_from_bf16(ws->dhb, db, dh_b, ws->pre[k], c->omega0, (size_t)rows, W);
        else
            relu_backward_bias_from_bf16(ws->dhb, db, dh_b, ws->hb[k], (size_t)rows, W);
        if (k > 1) /* into another hidden layer: bf16 */
            check(ws, dense_backward_bf16_dxb(g, dh_b, tensor_in(m, G, m->hid_W[k]), ws->dhb,
                                              ws->hb[k - 1], wb(m, ws, m->hid_W[k]), rows, W, W));
        else
            check(ws, dense_backward_bf16(g, dh, tensor_in(m, G, m->hid_W[k]), ws->dhb,
                                          ws->hb[k - 1], wb(m, ws, m->hid_W[k]), rows, W, W));
    }
    for (int k = L - 1; k >= 1 && film; k--) {
        /* d(pre_k) in bf16 for the products, its bias sum in fp32; FiLM's
         * per-image sum needs it in fp32 too (in place in dh). */
        float *db = tensor_in(m, G, m->hid_b[k]);
        if (sine)
            sine_backward_bias_bf16(ws->dhb, dh, db, dh, ws->pre[k], c->omega0, (size_t)rows, W);
        else
            relu_backward_bias_bf16(ws->dhb, dh, db, dh, ws->hb[k], (size_t)rows, W);
        rows_add_backward(ws->dgz, dh, B, Pb, W);
        latent_term_backward(m, ws, B, m->film_W[k], m->film_b[k], 1.0f);
        check(ws, dense_backward_bf16(g, dh, tensor_in(m, G, m->hid_W[k]), ws->dhb, ws->hb[k - 1],
                                      wb(m, ws, m->hid_W[k]), rows, W, W));
    }
    /* The first layer's sums stay fp32: its d(pre) is formed in dh. */
    if (sine)
        gather_sine_backward(dh, dh, ws->gx, ws->pix, ws->gz, c->omega0, B, Pb, W);
    else
        relu_backward_bias_bf16(NULL, dh, NULL, dh, ws->hb[0], (size_t)rows, W);
    rows_add_backward(ws->dgz, dh, B, Pb, W);
    latent_term_backward(m, ws, B, m->in_Wz, m->in_b, model_latent_ratio(c));
    rows_gather_backward(ws->dgx, dh, ws->pix, B, Pb, ws->P_grid, W);
    bf16_from_floats(ws->dgx_b, ws->dgx, (size_t)ws->P_grid * W);
    check(ws, dense_backward_bf16(g, NULL, tensor_in(m, G, m->in_Wx), ws->dgx_b, ws->gamma_b,
                                  wb(m, ws, m->in_Wx), ws->P_grid, m->E, W));
}

void decode_dense_bf16(const Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *P = m->params;
    int W = c->net_width, d = m->latent, sine = c->activation == ACT_SINE;
    bf16_from_floats(ws->z_b, ws->z, (size_t)B * d);
    const uint16_t *in = ws->z_b;
    int in_dim = d;
    for (int k = 0; k < c->net_depth; k++) {
        float *pre = sine ? ws->pre[k] : ws->pool[0]; /* sine's backward needs its pre-activation */
        check(ws, dense_forward_bf16(ws->gemm, pre, in, wb(m, ws, m->hid_W[k]), NULL, B, in_dim, W));
        if (sine)
            bias_sine_forward_bf16(ws->hb[k], pre, tensor_in(m, P, m->hid_b[k]), NULL, c->omega0,
                                   1, B, W);
        else
            bias_relu_forward_bf16(ws->hb[k], pre, tensor_in(m, P, m->hid_b[k]), NULL, 1, B, W);
        in = ws->hb[k];
        in_dim = W;
    }
    check(ws, dense_forward_bf16(ws->gemm, ws->logits, in, wb(m, ws, m->out_W),
                                 tensor_in(m, P, m->out_b), B, W, m->P * m->C));
}

void backward_dense_bf16(Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *G = m->grads;
    int W = c->net_width, d = m->latent, L = c->net_depth, out = m->P * m->C;
    GemmCache *g = ws->gemm;
    float *dh = ws->pool[0]; /* [B, W] fp32: each dx product's output */
    bf16_from_floats(ws->dlogits_b, ws->dlogits, (size_t)B * out);
    check(ws, dense_backward_bf16(g, dh, tensor_in(m, G, m->out_W), ws->dlogits_b, ws->hb[L - 1],
                                  wb(m, ws, m->out_W), B, W, out));
    bias_backward(tensor_in(m, G, m->out_b), ws->dlogits, (size_t)B, out);
    for (int k = L - 1; k >= 0; k--) {
        float *db = tensor_in(m, G, m->hid_b[k]);
        if (c->activation == ACT_SINE)
            sine_backward_bias_bf16(ws->dhb, NULL, db, dh, ws->pre[k], c->omega0, (size_t)B, W);
        else
            relu_backward_bias_bf16(ws->dhb, NULL, db, dh, ws->hb[k], (size_t)B, W);
        /* dh is consumed (its bf16 copy is in dhb), so the product may overwrite it. */
        check(ws, dense_backward_bf16(g, k ? dh : ws->dz, tensor_in(m, G, m->hid_W[k]), ws->dhb,
                                      k ? ws->hb[k - 1] : ws->z_b, wb(m, ws, m->hid_W[k]), B,
                                      k ? W : d, W));
    }
}

/* ---- the conv decoder ------------------------------------------------------------ */

static void conv_activate(const ModelConfig *c, float *pre, float *h, size_t n)
{
    if (c->activation == ACT_SINE)
        sine_forward(h, pre, c->omega0, n);
    else
        relu_forward(h, h, n); /* in place: pre == h */
}

static void conv_activate_backward(const ModelConfig *c, float *dh, const Workspace *ws, int k,
                                   size_t n)
{
    if (c->activation == ACT_SINE)
        sine_backward(dh, dh, ws->pre[k], c->omega0, n);
    else
        relu_backward(dh, dh, ws->h[k], n);
}

static size_t map_floats(const ConvShape *s, int B, int pixel_side)
{
    return (size_t)B * (pixel_side ? (size_t)s->H * s->W * s->C : (size_t)s->h * s->w * s->c);
}

void decode_conv_bf16(const Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *P = m->params;
    int L = c->net_depth;
    const ConvShape *s0 = &m->dec_conv[0];
    int start = s0->h * s0->w * s0->c;
    GemmCache *g = ws->gemm;
    bf16_from_floats(ws->z_b, ws->z, (size_t)B * m->latent);
    float *pre = ws->pre[0] ? ws->pre[0] : ws->h[0];
    check(ws, dense_forward_bf16(g, pre, ws->z_b, wb(m, ws, m->hid_W[0]),
                                 tensor_in(m, P, m->hid_b[0]), B, m->latent, start));
    conv_activate(c, pre, ws->h[0], (size_t)B * start);
    bf16_from_floats(ws->hb[0], ws->h[0], (size_t)B * start);
    for (int j = 1; j <= L; j++) {
        ConvShape s = m->dec_conv[j - 1];
        s.N = B;
        int last = j == L;
        float *y = last ? ws->logits : ws->pre[j] ? ws->pre[j] : ws->h[j];
        check(ws, conv2d_transpose_forward_bf16(g, y, ws->col, ws->hb[j - 1],
                                                wb(m, ws, last ? m->out_W : m->hid_W[j]),
                                                tensor_in(m, P, last ? m->out_b : m->hid_b[j]),
                                                &s));
        if (!last) {
            conv_activate(c, y, ws->h[j], map_floats(&s, B, 1));
            bf16_from_floats(ws->hb[j], ws->h[j], map_floats(&s, B, 1));
        }
    }
}

void backward_conv_bf16(Model *m, Workspace *ws, int B)
{
    const ModelConfig *c = &m->cfg;
    float *G = m->grads;
    int L = c->net_depth;
    GemmCache *g = ws->gemm;
    float *dh = ws->dconv_a, *dh_next = ws->dconv_b;
    for (int j = L; j >= 1; j--) {
        ConvShape s = m->dec_conv[j - 1];
        s.N = B;
        int last = j == L;
        size_t n = map_floats(&s, B, 1);
        const float *dy = last ? ws->dlogits : dh;
        if (!last)
            conv_activate_backward(c, dh, ws, j, n);
        bf16_from_floats(ws->dhb, dy, n);
        check(ws, conv2d_transpose_backward_bf16(
                      g, dh_next, tensor_in(m, G, last ? m->out_W : m->hid_W[j]),
                      tensor_in(m, G, last ? m->out_b : m->hid_b[j]), ws->col_b, ws->dhb, dy,
                      ws->hb[j - 1], wb(m, ws, last ? m->out_W : m->hid_W[j]), &s));
        float *t = dh;
        dh = dh_next;
        dh_next = t;
    }
    const ConvShape *s0 = &m->dec_conv[0];
    size_t start = (size_t)s0->h * s0->w * s0->c;
    conv_activate_backward(c, dh, ws, 0, (size_t)B * start);
    bf16_from_floats(ws->dhb, dh, (size_t)B * start);
    check(ws, dense_backward_bf16(g, ws->dz, tensor_in(m, G, m->hid_W[0]), ws->dhb, ws->z_b,
                                  wb(m, ws, m->hid_W[0]), B, m->latent, (int)start));
    bias_backward(tensor_in(m, G, m->hid_b[0]), dh, (size_t)B, (int)start);
}
