/* workspace.h - the activations of a model's forward and backward passes:
 * one arena (a TensorTable of every activation and activation gradient)
 * sized once for a batch capacity and a coordinate grid, so a training step
 * allocates nothing. Also holds the encoded grid γ, computed once per grid. */
#ifndef FFVAE_WORKSPACE_H
#define FFVAE_WORKSPACE_H

#include <stdint.h>

#include "model.h"
#include "onednn.h"
#include "rng.h"
#include "tensor_table.h"

struct Workspace {
    int B;        /* batch capacity */
    int Pb;       /* pixel rows per image per step: P, or cfg.pixels when subsampling */
    int Hg, Wg;   /* the coordinate grid decoded (training size, or a render size) */
    int P_grid;   /* Hg·Wg */
    TensorTable layout;
    float *mem;   /* one arena for every activation and activation gradient */
    int32_t *pix; /* [B·Pb] sampled pixel indices, or NULL when every pixel is used */

    float *x;       /* [B, P·C] input images in [0, 1] */
    float *target;  /* [B·Pb, C] the pixels the loss compares (x itself when pix is NULL) */
    float *enc_h[MODEL_MAX_LAYERS]; /* [B, hidden_k] post-ReLU */
    float *mu, *logvar, *eps, *z;   /* [B, d] */
    float *gamma;   /* [P_grid, E] the encoded grid, computed once */
    float *gx;      /* [P_grid, W] */
    float *gz;      /* [B, W] (coord) */
    float *pre[MODEL_MAX_LAYERS];   /* [rows, W] pre-activations (sine only; coord: k ≥ 1) */
    float *h[MODEL_MAX_LAYERS];     /* [rows, W] activations; rows = B·Pb (coord) or B (dense) */
    /* The [rows, W] buffers: h[k] = pool[k]; backward reuses each h[k] once it
     * is consumed, and recomputes the coord decoder's h[0] (a broadcast add, no
     * GEMM), so a depth-L coord decoder needs max(L, 3) buffers, not L + 2. */
    float *pool[MODEL_MAX_LAYERS + 2];
    int n_pool;
    float *shift;   /* [B, W] FiLM shift scratch */
    float *logits;  /* [B·Pb, C] (coord) or [B, P·C] (dense) */

    float *dlogits;                 /* like logits */
    float *dgx;     /* [P_grid, W] */
    float *dgz;     /* [B, W] */
    float *dz, *dz_part, *dmu, *dlogvar; /* [B, d] */
    float *denc_a, *denc_b;         /* [B, widest encoder layer] */
    /* Conv layers (conv.h): enc_h[k] is then [B·h·w, c], and a conv decoder's
     * h[k] (and pre[k] for sine) its own map, [B, h₀·w₀·C₀] for k = 0 and
     * [B·Hk·Wk, Ck] after; it uses no pool. */
    float *col, *dcol;              /* im2col scratch: the largest layer's [B·h·w, k·k·C] */
    float *dconv_a, *dconv_b;       /* [B, the conv decoder's largest map] its gradients */

    /* precision = bf16 (model_bf16.c): the bf16 operands of the products, in a
     * second arena. The fp32 pool then holds one [rows, W] buffer (pool[0]):
     * each layer's product writes there and its fused pass reads it, writing
     * hb[k]; backward's products write dh there and the fused pass writes dhb. */
    int bf16;
    GemmCache *gemm;       /* oneDNN primitives, one per product shape */
    uint16_t *bmem;        /* the bf16 arena */
    uint16_t *wb;          /* [table.total] the weights, cast once per step */
    uint16_t *gamma_b;     /* [P_grid, E] γ, cast with it */
    uint16_t *z_b;         /* [B, d] */
    uint16_t *x_b;         /* [B, P·C] the input images */
    uint16_t *enc_hb[MODEL_MAX_LAYERS]; /* [B, hidden_k] */
    uint16_t *dmu_b, *dlogvar_b; /* [B, d] */
    uint16_t *denc_hb;     /* [B, widest encoder layer] d(pre) of the encoder layer going back */
    uint16_t *hb[MODEL_MAX_LAYERS]; /* [rows, W] each layer's activation */
    uint16_t *dhb;         /* [rows, W] d(pre) of the layer going back (conv: the largest map) */
    uint16_t *dlogits_b;   /* [rows, C] */
    uint16_t *dgz_b;       /* [B, W] */
    uint16_t *dgx_b;       /* [P_grid, W] */
    uint16_t *col_b;       /* conv layers: the bf16 im2col scratch, like col */
    int failed;            /* a oneDNN call failed (reported): the loss becomes NaN */
};

/* Sizes a workspace for up to B images. With the model's precision = bf16 it
 * also makes the bf16 arena and the oneDNN state (refused, with the reason,
 * where bf16 cannot run: bf16_check). pixels = 0 uses every pixel of the
 * Hg×Wg grid; pixels = N samples N per image per step (training size only).
 * Requires the model's frequencies to be set (γ is computed here). */
int workspace_create(Workspace *ws, const Model *m, int B, int pixels, int Hg, int Wg);
void workspace_free(Workspace *ws);
/* Tiled rendering: in a workspace created for an Hg×Wg grid (every pixel),
 * makes the grid rows row0 .. row0+rows−1 (rows ≤ Hg) of an image H_image
 * pixels high and Wg wide, so model_decode renders that band. */
int workspace_set_rows(Workspace *ws, const Model *m, int H_image, int row0, int rows);
/* Makes the grid n arbitrary coordinates v[n, 2] (n ≤ the grid the workspace
 * was created for, every pixel): model_decode then evaluates exactly those
 * points, and the loss compares them with ws->x's first n·C values. `ffvae fit`
 * trains on a fixed pixel subset this way, without decoding the others. */
int workspace_set_coords(Workspace *ws, const Model *m, const float *v, int n);

/* Loads images (uint8 [B, H, W, C]) into ws->x as floats in [0, 1]. */
void workspace_load_images(Workspace *ws, const Model *m, const uint8_t *images, int B);
/* Draws the pixels each image contributes this step and gathers their targets
 * (no-op when every pixel is used). */
void workspace_sample_pixels(Workspace *ws, const Model *m, int B, Rng *r);

#endif
