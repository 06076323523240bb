/* workspace.c - the activation arena (workspace.h): one table of tensors laid
 * out once for a batch capacity, the grid's encoding, pixel sampling. */
#include "workspace.h"

#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "util.h"

static int encode_rows(Workspace *ws, const Model *m, int H_image, int row0, int rows);
static void encode_coords(Workspace *ws, const Model *m, const float *v, int P);

/* Activation tensors, by role; each gets a slot in the arena's table. */
static float *slot(Workspace *ws, int idx)
{
    return idx < 0 ? NULL : ws->mem + ws->layout.t[idx].offset;
}

int workspace_create(Workspace *ws, const Model *m, int B, int pixels, int Hg, int Wg)
{
    const ModelConfig *c = &m->cfg;
    memset(ws, 0, sizeof *ws);
    int coord = c->decoder == DECODER_COORD;
    int same_grid = (Hg == m->H && Wg == m->W);
    if (!coord && !same_grid) {
        ffvae_error("%s: a dense decoder renders only at its own size %dx%d", c->name, m->H, m->W);
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
    size_t out_cols = coord ? C : (size_t)m->P * C;
    int widest = m->latent;
    for (int k = 0; k < c->enc_layers; k++)
        if (c->enc_hidden[k] > widest)
            widest = c->enc_hidden[k];

    TensorTable *L = &ws->layout;
    table_init(L);
    int i_x = table_add(L, "x", (size_t)B, (size_t)m->P * C);
    int i_target = pixels ? table_add(L, "target", rows, C) : -1;
    int i_enc[MODEL_MAX_LAYERS], enc_layers = m->latent ? c->enc_layers : 0;
    for (int k = 0; k < enc_layers; k++)
        i_enc[k] = table_add(L, "enc_h", (size_t)B, (size_t)c->enc_hidden[k]);
    int i_mu = table_add(L, "mu", (size_t)B, d), i_lv = table_add(L, "logvar", (size_t)B, d);
    int i_eps = table_add(L, "eps", (size_t)B, d), i_z = table_add(L, "z", (size_t)B, d);
    int i_gamma = coord ? table_add(L, "gamma", (size_t)ws->P_grid, (size_t)m->E) : -1;
    int i_gx = coord ? table_add(L, "gx", (size_t)ws->P_grid, W) : -1;
    int i_gz = coord ? table_add(L, "gz", (size_t)B, W) : -1;
    int depth = c->net_depth, i_pre[MODEL_MAX_LAYERS], i_pool[MODEL_MAX_LAYERS + 2];
    for (int k = 0; k < depth; k++) /* the coord decoder recomputes pre[0] */
        i_pre[k] = c->activation == ACT_SINE && (k > 0 || !coord) ? table_add(L, "pre", rows, W) : -1;
    ws->n_pool = !coord ? depth + 2 : depth == 1 ? 2 : depth > 3 ? depth : 3;
    for (int k = 0; k < ws->n_pool; k++)
        i_pool[k] = table_add(L, "h", rows, W);
    int i_shift = c->conditioning == COND_FILM ? table_add(L, "shift", (size_t)B, W) : -1;
    int i_logits = table_add(L, "logits", rows, out_cols);
    int i_dlogits = table_add(L, "dlogits", rows, out_cols);
    int i_dgx = coord ? table_add(L, "dgx", (size_t)ws->P_grid, W) : -1;
    int i_dgz = coord ? table_add(L, "dgz", (size_t)B, W) : -1;
    int i_dz = table_add(L, "dz", (size_t)B, d), i_dzp = table_add(L, "dz_part", (size_t)B, d);
    int i_dmu = table_add(L, "dmu", (size_t)B, d), i_dlv = table_add(L, "dlogvar", (size_t)B, d);
    int i_dea = table_add(L, "denc_a", (size_t)B, (size_t)widest);
    int i_deb = table_add(L, "denc_b", (size_t)B, (size_t)widest);
    if (i_deb < 0) /* table_add reported; later indices fail once any does */
        return -1;

    ws->mem = checked_calloc(L->total, sizeof(float), "activations");
    if (pixels)
        ws->pix = checked_malloc(rows, sizeof(int32_t), "pixel indices");
    if (!ws->mem || (pixels && !ws->pix)) {
        workspace_free(ws);
        return -1;
    }
    ws->x = slot(ws, i_x);
    ws->target = pixels ? slot(ws, i_target) : ws->x;
    for (int k = 0; k < enc_layers; k++)
        ws->enc_h[k] = slot(ws, i_enc[k]);
    ws->mu = slot(ws, i_mu);
    ws->logvar = slot(ws, i_lv);
    ws->eps = slot(ws, i_eps);
    ws->z = slot(ws, i_z);
    ws->gamma = slot(ws, i_gamma);
    ws->gx = slot(ws, i_gx);
    ws->gz = slot(ws, i_gz);
    for (int k = 0; k < ws->n_pool; k++)
        ws->pool[k] = slot(ws, i_pool[k]);
    for (int k = 0; k < depth; k++) {
        ws->pre[k] = slot(ws, i_pre[k]);
        ws->h[k] = ws->pool[k];
    }
    ws->shift = slot(ws, i_shift);
    ws->logits = slot(ws, i_logits);
    ws->dlogits = slot(ws, i_dlogits);
    ws->dgx = slot(ws, i_dgx);
    ws->dgz = slot(ws, i_dgz);
    ws->dz = slot(ws, i_dz);
    ws->dz_part = slot(ws, i_dzp);
    ws->dmu = slot(ws, i_dmu);
    ws->dlogvar = slot(ws, i_dlv);
    ws->denc_a = slot(ws, i_dea);
    ws->denc_b = slot(ws, i_deb);

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
    return 0;
}

void workspace_free(Workspace *ws)
{
    free(ws->mem);
    free(ws->pix);
    ws->mem = NULL;
    ws->pix = NULL;
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
