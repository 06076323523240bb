/* model.h - the VAE: an MLP encoder to (μ, log σ²), the reparameterised latent z,
 * and a decoder that is either a coordinate network or a dense MLP.
 *
 * Coordinate decoder (DESIGN.md "Data flow"), for B images of P pixel rows:
 *   gx  = γ · Wx                      [P_grid, W]  once per step, on the whole grid
 *   gz  = z · Wz + b0                 [B, W]       once per image
 *   h1  = act(gx[pix] + gz[image])    [B·P, W]     broadcast-add: the split first layer
 *   hk  = act(h(k−1) · Wk + bk (+ z · Fk + fk with FiLM))   one SGEMM on all B·P rows
 *   logits = hL · Wout + bout         [B·P, C]
 * Dense decoder: z → MLP → logits [B, H·W·C] (the classic, blurry VAE decoder).
 *
 * Parameters, gradients and Adam's m and v are four flat buffers sharing one
 * TensorTable layout. Activations live in a Workspace: one arena sized once for
 * a batch capacity, so a training step allocates nothing. */
#ifndef FFVAE_MODEL_H
#define FFVAE_MODEL_H

#include <stdint.h>

#include "model_config.h"
#include "rng.h"
#include "tensor_table.h"

#define MODEL_MAX_LAYERS CONFIG_MAX_LAYERS

typedef struct {
    ModelConfig cfg;
    int H, W, C;  /* image geometry at the training size */
    int P;        /* pixels per image, H·W */
    int latent;   /* d */
    int E;        /* decoder's coordinate inputs: 2 for 'none', 2F otherwise (0 for dense) */
    int F;        /* rows of the frequency matrix (0 for 'none' and dense) */
    float *freqs; /* B [F, 2] in cycles per unit length */

    TensorTable table;
    float *params, *grads, *adam_m, *adam_v; /* [table.total] each */

    /* Indices into table; -1 where the model has no such tensor. */
    int enc_W[MODEL_MAX_LAYERS], enc_b[MODEL_MAX_LAYERS];
    int mu_W, mu_b, lv_W, lv_b;
    int in_Wx, in_Wz, in_b;                           /* coord: split first layer */
    int hid_W[MODEL_MAX_LAYERS], hid_b[MODEL_MAX_LAYERS]; /* layer k takes layer k−1 */
    int film_W[MODEL_MAX_LAYERS], film_b[MODEL_MAX_LAYERS];
    int out_W, out_b;
} Model;

/* Lays out and allocates the model for cfg (parameters zero, no frequencies yet). */
int model_create(Model *m, const ModelConfig *cfg);
void model_free(Model *m);
/* Draws initial weights: He-uniform for ReLU, SIREN's scheme for sine. */
void model_init_params(Model *m, Rng *r);
/* Chooses the encoding's frequencies. 'spectrum' needs the training images
 * (uint8 [n, H, W, C]); other encodings ignore them. */
int model_init_frequencies(Model *m, const uint8_t *images, int n, Rng *r);
/* Pointer to a tensor in one of the four buffers. */
static inline float *tensor_in(const Model *m, float *buf, int idx)
{
    return idx < 0 ? NULL : buf + m->table.t[idx].offset;
}
/* Total trainable parameters. */
size_t model_param_count(const Model *m);
/* Floating-point operations of one training step (forward + backward) for B
 * images of Pb pixel rows: 2·M·N·K per matrix product, counting every SGEMM
 * the step runs (forward, dx and dW); element-wise work is not counted. */
double model_step_flops(const Model *m, int B, int Pb);

typedef struct {
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
} Workspace;

/* Sizes a workspace for up to B images. pixels = 0 uses every pixel of the
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

/* The two halves of the ELBO, summed over the batch (nats). */
typedef struct {
    double recon; /* −log p(x | z), scaled to the whole image when subsampling */
    double kl;    /* KL(q(z | x) || N(0, I)) */
} LossParts;

/* Encoder: ws->x → μ, log σ², and z = μ + σ·ε with ε drawn from r. With r NULL
 * it reuses ws->eps as it is: zero it for z = μ (the workspace starts zeroed),
 * or keep the last draw to repeat a pass exactly (the gradient check does). */
void model_encode(const Model *m, Workspace *ws, int B, Rng *r);
/* Decoder: ws->z → ws->logits over the sampled pixels (or the whole grid). */
void model_decode(const Model *m, Workspace *ws, int B);
/* Reconstruction and KL of the current forward pass against ws->target. */
LossParts model_loss(const Model *m, const Workspace *ws, int B);
/* Full forward: encode (sampling with r), decode, loss. */
LossParts model_forward(const Model *m, Workspace *ws, int B, Rng *r);
/* Backward of recon_scale·recon + kl_scale·KL into m->grads (accumulates;
 * the caller zeroes m->grads). Needs the activations of model_forward. */
void model_backward(Model *m, Workspace *ws, int B, float recon_scale, float kl_scale);

#endif
