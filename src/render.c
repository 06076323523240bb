/* render.c - tiled decoding of latents into mean images. */
#include "render.h"

#include <math.h>
#include <string.h>

#include "util.h"
#include "workspace.h"

/* Floats one activation buffer may hold while rendering (128 MiB). */
#define RENDER_BUDGET ((size_t)32 << 20)

/* The continuous Bernoulli's mean for logit l (natural parameter l, λ = σ(l)):
 * E[x] = 1/(1 − e^−l) − 1/l, which is not λ: the distribution leans toward ½.
 * Near l = 0 the two terms cancel, so there by its series ½ + l/12 − l³/720
 * (the next term, l⁵/30240, is below 1e-14 there). */
static float cb_mean(float logit)
{
    double l = logit;
    if (fabs(l) < 1e-2)
        return (float)(0.5 + l / 12.0 - l * l * l / 720.0);
    return (float)(1.0 / (1.0 - exp(-l)) - 1.0 / l);
}

void mean_image(float *out, const float *logits, size_t n, Likelihood kind)
{
    if (kind == LIKELIHOOD_CONTINUOUS_BERNOULLI) {
        for (size_t i = 0; i < n; i++)
            out[i] = cb_mean(logits[i]);
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = 1.0f / (1.0f + expf(-logits[i]));
}

int render_mean_images(float *out, const Model *m, const float *z, int n, int Hs, int Ws)
{
    const ModelConfig *c = &m->cfg;
    int C = m->C, d = m->latent;
    if (Hs < 1 || Ws < 1 || Hs > 16384 || Ws > 16384) {
        ffvae_error("render: size %dx%d out of range (1..16384)", Hs, Ws);
        return -1;
    }
    if (c->decoder != DECODER_COORD && (Hs != m->H || Ws != m->W)) {
        ffvae_error("%s: a %s decoder renders only at its own size %dx%d, not %dx%d", c->name,
                    decoder_name(c->decoder), m->H, m->W, Hs, Ws);
        return -1;
    }
    /* Images per pass and rows per band, so one [B·rows·Ws, W] buffer fits the budget. */
    size_t row_floats = (size_t)Ws * (size_t)(c->net_width > C ? c->net_width : C);
    int B = n < 64 ? n : 64;
    while (B > 1 && (size_t)B * row_floats > RENDER_BUDGET)
        B /= 2;
    int band = c->decoder != DECODER_COORD ? Hs : (int)(RENDER_BUDGET / ((size_t)B * row_floats));
    if (band < 1)
        band = 1;
    if (band > Hs)
        band = Hs;

    Workspace ws;
    if (workspace_create(&ws, m, B, 0, band, Ws) != 0)
        return -1;
    size_t image_size = (size_t)Hs * Ws * C;
    for (int first = 0; first < n; first += B) {
        int nb = n - first < B ? n - first : B;
        if (d > 0)
            memcpy(ws.z, z + (size_t)first * d, (size_t)nb * d * sizeof(float));
        for (int row0 = 0; row0 < Hs; row0 += band) {
            int rows = Hs - row0 < band ? Hs - row0 : band;
            if (c->decoder == DECODER_COORD && workspace_set_rows(&ws, m, Hs, row0, rows) != 0) {
                workspace_free(&ws);
                return -1;
            }
            model_decode(m, &ws, nb);
            size_t band_size = (size_t)rows * Ws * C; /* logits are [nb, rows·Ws, C] */
            for (int b = 0; b < nb; b++)
                mean_image(out + (size_t)(first + b) * image_size + (size_t)row0 * Ws * C,
                           ws.logits + (size_t)b * band_size, band_size, c->likelihood);
        }
    }
    workspace_free(&ws);
    return 0;
}
