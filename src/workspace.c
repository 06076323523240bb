/* workspace.c - the activation arena (workspace.h): one table of tensors laid
 * out once for a batch capacity, the grid's encoding, pixel sampling. */
#include "workspace.h"

#include <stdlib.h>
#include <string.h>

#include "bf16.h"
#include "encoding.h"
#include "util.h"

static int encode_rows(Workspace *ws, const Model *m, int H_image, int row0, int rows);

/* The conv layers' sizes (per image, but col: for the batch), for the arenas. */
typedef struct {
    size_t enc_map[MODEL_MAX_LAYERS], dec_map[MODEL_MAX_LAYERS];
    size_t col, dcol, dec_widest;
} ConvSizes;

/* The bf16 arena (workspace.h) for `rows` decoder rows, and the oneDNN state. */
static int bf16_arena(Workspace *ws, const Model *m, size_t rows, size_t out_cols, int widest,
                      const ConvSizes *cs)
{
    const ModelConfig *c = &m->cfg;
    size_t W = (size_t)c->net_width, B = (size_t)ws->B, grid = (size_t)ws->P_grid;
    int conv_dec = c->decoder == DECODER_CONV;
    size_t PC = (size_t)m->P * (size_t)m->C;
    /* dhb: a coord layer's [rows, W], or the largest conv decoder map (dlogits included) */
    size_t dhb = conv_dec ? B * (cs->dec_widest > PC ? cs->dec_widest : PC) : rows * W;
    struct {
        uint16_t **field;
        size_t n;
    } t[2 * MODEL_MAX_LAYERS + 13] = {{&ws->wb, m->table.total},
                                 {&ws->gamma_b, grid * (size_t)m->E},
                                 {&ws->z_b, B * (size_t)m->latent},
                                 {&ws->dhb, dhb},
                                 {&ws->dlogits_b, conv_dec ? 0 : rows * out_cols},
                                 {&ws->dgz_b, conv_dec ? 0 : B * W},
                                 {&ws->dgx_b, conv_dec ? 0 : grid * W},
                                 {&ws->x_b, B * PC},
                                 {&ws->dmu_b, B * (size_t)m->latent},
                                 {&ws->dlogvar_b, B * (size_t)m->latent},
                                 {&ws->denc_hb, B * (size_t)widest},
                                 {&ws->col_b, cs->col}};
    int n = 12;
    for (int k = 0; m->latent && k < c->enc_layers && !m->n_enc_conv; k++)
        t[n].field = &ws->enc_hb[k], t[n++].n = B * (size_t)c->enc_hidden[k];
    for (int k = 0; k < m->n_enc_conv; k++)
        t[n].field = &ws->enc_hb[k], t[n++].n = B * cs->enc_map[k];
    for (int k = 0; k < c->net_depth; k++)
        t[n].field = &ws->hb[k], t[n++].n = conv_dec ? B * cs->dec_map[k] : rows * W;
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += (t[i].n + 31) & ~(size_t)31; /* 64-byte aligned starts */
    ws->bmem = checked_calloc(total, sizeof(uint16_t), "bf16 activations");
    ws->gemm = ws->bmem ? gemm_cache_create() : NULL;
    if (!ws->gemm)
        return -1;
    size_t off = 0;
    for (int i = 0; i < n; off += (t[i].n + 31) & ~(size_t)31, i++)
        *t[i].field = ws->bmem + off;
    return 0;
}
static void encode_coords(Workspace *ws, const Model *m, const float *v, int P);

/* The arena's table, with the Workspace field each row will bind to once
 * the one buffer exists. */
typedef struct {
    TensorTable *table;
    float **field[TABLE_MAX_TENSORS];
    int failed; /* a table_add refused (and reported) */
} Arena;

/* Adds a [rows, cols] activation that *field will point at. */
static void reserve(Arena *a, float **field, const char *name, size_t rows, size_t cols)
{
    int i = table_add(a->table, name, rows, cols);
    if (i >= 0)
        a->field[i] = field;
    else
        a->failed = 1;
}

int workspace_create(Workspace *ws, const Model *m, int B, int pixels, int Hg, int Wg)
{
    const ModelConfig *c = &m->cfg;
    memset(ws, 0, sizeof *ws);
    int coord = c->decoder == DECODER_COORD;
    int same_grid = (Hg == m->H && Wg == m->W);
    if (!coord && !same_grid) {
        ffvae_error("%s: a %s decoder renders only at its own size %dx%d", c->name,
                    decoder_name(c->decoder), m->H, m->W);
        return -1;
    }
    if (pixels && !same_grid) {
        ffvae_error("%s: pixel subsampling applies only at the training size", c->name);
        return -1;
    }
    ws->B = B;
    ws->Hg = Hg;
    ws->Wg = Wg;
    ws->P_grid = Hg * Wg;
    ws->Pb = pixels ? pixels : ws->P_grid;
    size_t rows = coord ? (size_t)B * (size_t)ws->Pb : (size_t)B; /* decoder rows */
    size_t W = (size_t)c->net_width, d = (size_t)m->latent, C = (size_t)m->C;
    size_t Bs = (size_t)B, grid = (size_t)ws->P_grid;
    size_t out_cols = coord ? C : (size_t)m->P * C;
    int widest = m->latent;
    for (int k = 0; k < c->enc_layers && !m->n_enc_conv; k++)
        if (c->enc_hidden[k] > widest)
            widest = c->enc_hidden[k];
    /* The conv layers' per-image maps and the largest im2col scratch. */
    ConvSizes cs = {{0}, {0}, 0, 0, 0};
    size_t *enc_map = cs.enc_map, *dec_map = cs.dec_map;
    size_t col = 0, dcol = 0, dec_widest = 0;
    for (int k = 0; k < m->n_enc_conv; k++) {
        ConvShape s = m->enc_conv[k];
        enc_map[k] = (size_t)s.h * s.w * s.c;
        if (enc_map[k] > (size_t)widest)
            widest = (int)enc_map[k];
        s.N = B;
        size_t n = conv_col_floats(&s);
        col = n > col ? n : col;
        if (k > 0) /* the first layer's backward needs no dx, so no dcol */
            dcol = n > dcol ? n : dcol;
    }
    int conv_dec = c->decoder == DECODER_CONV;
    for (int j = 0; conv_dec && j < c->net_depth; j++) {
        ConvShape s = m->dec_conv[j];
        dec_map[j] = (size_t)s.h * s.w * s.c; /* h[j]: the patch side of layer j + 1 */
        dec_widest = dec_map[j] > dec_widest ? dec_map[j] : dec_widest;
        s.N = B;
        size_t n = conv_col_floats(&s);
        col = n > col ? n : col;
    }
    cs.col = col, cs.dcol = dcol, cs.dec_widest = dec_widest;

    Arena a = {&ws->layout, {0}, 0};
    table_init(a.table);
    reserve(&a, &ws->x, "x", Bs, (size_t)m->P * C);
    if (pixels)
        reserve(&a, &ws->target, "target", rows, C);
    for (int k = 0; m->latent && k < c->enc_layers && !m->n_enc_conv; k++)
        reserve(&a, &ws->enc_h[k], "enc_h", Bs, (size_t)c->enc_hidden[k]);
    for (int k = 0; k < m->n_enc_conv; k++)
        reserve(&a, &ws->enc_h[k], "enc_h", Bs, enc_map[k]);
    reserve(&a, &ws->mu, "mu", Bs, d);
    reserve(&a, &ws->logvar, "logvar", Bs, d);
    reserve(&a, &ws->eps, "eps", Bs, d);
    reserve(&a, &ws->z, "z", Bs, d);
    if (coord) {
        reserve(&a, &ws->gamma, "gamma", grid, (size_t)m->E);
        reserve(&a, &ws->gx, "gx", grid, W);
        reserve(&a, &ws->gz, "gz", Bs, W);
    }
    int depth = c->net_depth;
    for (int k = 0; k < depth && !conv_dec; k++) /* the coord decoder recomputes pre[0] */
        if (c->activation == ACT_SINE && (k > 0 || !coord))
            reserve(&a, &ws->pre[k], "pre", rows, W);
    for (int k = 0; k < depth && conv_dec; k++) {
        if (c->activation == ACT_SINE)
            reserve(&a, &ws->pre[k], "pre", Bs, dec_map[k]);
        reserve(&a, &ws->h[k], "h", Bs, dec_map[k]);
    }
    if (col)
        reserve(&a, &ws->col, "col", col, 1);
    if (dcol)
        reserve(&a, &ws->dcol, "dcol", dcol, 1);
    if (conv_dec) {
        reserve(&a, &ws->dconv_a, "dconv_a", Bs, dec_widest);
        reserve(&a, &ws->dconv_b, "dconv_b", Bs, dec_widest);
    }
    ws->bf16 = c->precision == PRECISION_BF16;
    if (ws->bf16 && bf16_check(c->name) != 0)
        return -1;
    ws->n_pool = conv_dec ? 0 : ws->bf16 ? 1 : !coord ? depth + 2 : depth == 1 ? 2 : depth > 3 ? depth : 3;
    for (int k = 0; k < ws->n_pool; k++)
        reserve(&a, &ws->pool[k], "h", rows, W);
    if (c->conditioning == COND_FILM)
        reserve(&a, &ws->shift, "shift", Bs, W);
    reserve(&a, &ws->logits, "logits", rows, out_cols);
    reserve(&a, &ws->dlogits, "dlogits", rows, out_cols);
    if (coord) {
        reserve(&a, &ws->dgx, "dgx", grid, W);
        reserve(&a, &ws->dgz, "dgz", Bs, W);
    }
    reserve(&a, &ws->dz, "dz", Bs, d);
    reserve(&a, &ws->dz_part, "dz_part", Bs, d);
    reserve(&a, &ws->dmu, "dmu", Bs, d);
    reserve(&a, &ws->dlogvar, "dlogvar", Bs, d);
    reserve(&a, &ws->denc_a, "denc_a", Bs, (size_t)widest);
    reserve(&a, &ws->denc_b, "denc_b", Bs, (size_t)widest);
    if (a.failed)
        return -1;

    ws->mem = checked_calloc(a.table->total, sizeof(float), "activations");
    if (pixels)
        ws->pix = checked_calloc(rows, sizeof(int32_t), "pixel indices");
    if (!ws->mem || (pixels && !ws->pix)) {
        workspace_free(ws);
        return -1;
    }
    for (int i = 0; i < a.table->n; i++)
        *a.field[i] = ws->mem + a.table->t[i].offset;
    if (!pixels)
        ws->target = ws->x;
    for (int k = 0; k < depth && !ws->bf16 && !conv_dec; k++)
        ws->h[k] = ws->pool[k];
    if (ws->bf16 && bf16_arena(ws, m, rows, out_cols, widest, &cs) != 0) {
        workspace_free(ws);
        return -1;
    }

    if (c->focal_frequency > 0 && !pixels && Hg == m->H && Wg == m->W) {
        if (ffl_plan_init(&ws->ffl, B, m->H, m->W, C) != 0) {
            workspace_free(ws);
            return -1;
        }
        ws->ffl_on = 1;
    }

    /* γ depends only on the grid: compute it once here. */
    if (coord && encode_rows(ws, m, Hg, 0, Hg) != 0) {
        workspace_free(ws);
        return -1;
    }
    return 0;
}

int workspace_set_rows(Workspace *ws, const Model *m, int H_image, int row0, int rows)
{
    if (rows < 1 || rows > ws->Hg || row0 < 0 || row0 + rows > H_image || ws->pix ||
        !ws->gamma) {
        ffvae_error("workspace: rows %d..%d do not fit a %d-row tile of a %d-row image", row0,
                    row0 + rows - 1, ws->Hg, H_image);
        return -1;
    }
    if (encode_rows(ws, m, H_image, row0, rows) != 0)
        return -1;
    ws->Pb = ws->P_grid;
    ws->ffl_on = 0; /* a tile is not a whole image */
    return 0;
}

/* γ of the coordinates v[P, 2]; they become the workspace's grid. */
static void encode_coords(Workspace *ws, const Model *m, const float *v, int P)
{
    if (m->cfg.encoding == ENCODING_NONE)
        centred_coords(ws->gamma, v, P);
    else
        fourier_features(ws->gamma, v, m->freqs, P, m->F);
    ws->P_grid = P;
    if (ws->gamma_b) /* the products read γ in bf16: cast once per grid */
        bf16_from_floats(ws->gamma_b, ws->gamma, (size_t)P * (size_t)m->E);
}

/* γ of grid rows row0 .. row0+rows−1 of an H_image × Wg image; the workspace's
 * grid becomes those rows. */
static int encode_rows(Workspace *ws, const Model *m, int H_image, int row0, int rows)
{
    int P = rows * ws->Wg;
    float *v = checked_malloc((size_t)P * 2, sizeof(float), "coordinates");
    if (!v)
        return -1;
    coord_rows(v, H_image, ws->Wg, row0, rows);
    encode_coords(ws, m, v, P);
    free(v);
    return 0;
}

int workspace_set_coords(Workspace *ws, const Model *m, const float *v, int n)
{
    if (n < 1 || n > ws->Hg * ws->Wg || ws->pix || !ws->gamma) {
        ffvae_error("workspace: %d coordinates do not fit a grid of %d", n, ws->Hg * ws->Wg);
        return -1;
    }
    encode_coords(ws, m, v, n);
    ws->Pb = n;
    ws->ffl_on = 0; /* arbitrary points are not a whole image */
    return 0;
}

void workspace_free(Workspace *ws)
{
    free(ws->mem);
    free(ws->pix);
    free(ws->bmem);
    gemm_cache_free(ws->gemm);
    ffl_plan_free(&ws->ffl);
    ws->ffl_on = 0;
    ws->mem = NULL;
    ws->pix = NULL;
    ws->bmem = NULL;
    ws->gemm = NULL;
}

void workspace_load_images(Workspace *ws, const Model *m, const uint8_t *images, int B)
{
    size_t n = (size_t)B * (size_t)m->P * (size_t)m->C;
    for (size_t i = 0; i < n; i++)
        ws->x[i] = (float)images[i] * (1.0f / 255.0f);
}

void workspace_sample_pixels(Workspace *ws, const Model *m, int B, Rng *r)
{
    if (!ws->pix)
        return;
    int P = m->P, C = m->C, Pb = ws->Pb;
    for (int b = 0; b < B; b++) {
        int32_t *pix = ws->pix + (size_t)b * Pb;
        /* Distinct pixels per image: Floyd's sampling, no P-sized scratch needed. */
        for (int j = P - Pb, n = 0; j < P; j++, n++) {
            int32_t t = (int32_t)rng_below(r, (uint32_t)j + 1);
            int seen = 0;
            for (int q = 0; q < n; q++)
                if (pix[q] == t) {
                    seen = 1;
                    break;
                }
            pix[n] = seen ? j : t;
        }
        const float *img = ws->x + (size_t)b * P * C;
        float *tgt = ws->target + (size_t)b * Pb * C;
        for (int p = 0; p < Pb; p++)
            for (int ch = 0; ch < C; ch++)
                tgt[(size_t)p * C + ch] = img[(size_t)pix[p] * C + ch];
    }
}
