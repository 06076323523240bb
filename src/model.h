/* model.h - the VAE: an encoder (an MLP, or stride-2 convolutions) to (μ, log σ²),
 * the reparameterised latent z, and a decoder that is a coordinate network, a
 * dense MLP or transposed convolutions.
 *
 * Coordinate decoder, for B images of P pixel rows:
 *   gx  = γ · Wx                      [P_grid, W]  once per step, on the whole grid
 *   gz  = z · Wz + b0                 [B, W]       once per image
 *   h1  = act(gx[pix] + gz[image])    [B·P, W]     broadcast-add: the split first layer
 *   hk  = act(h(k−1) · Wk + bk (+ z · Fk + fk with FiLM))   one SGEMM on all B·P rows
 *   logits = hL · Wout + bout         [B·P, C]
 * Dense decoder: z → MLP → logits [B, H·W·C] (the classic, blurry VAE decoder).
 * Conv decoder (DCGAN-style, the decoder most VAEs use), NHWC (conv.h):
 *   h0 = act(z · W0 + b0)             [B, h₀·w₀·C₀]   the start map
 *   hj = act(convT_j(h(j−1)))         [B·Hj·Wj, C₀/2^j]   kernel 4, stride 2, padding 1
 *   logits = convT_out(h(depth−1))    [B, H·W·C]      the same layout as the dense decoder's
 * Conv encoder: x [B·H·W, C] → depth × ReLU(conv2d) with channels doubling →
 * the flattened map → μ, log σ² (one dense layer each). *
 * Parameters, gradients and Adam's m and v are four flat buffers sharing one
 * TensorTable layout. Activations live in a Workspace: one arena sized once for
 * a batch capacity, so a training step allocates nothing. */
#ifndef FFVAE_MODEL_H
#define FFVAE_MODEL_H

#include <stdint.h>

#include "conv.h"
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
    int log_sigma;            /* [1, C] sigma = learned: log σ (gaussian) or log b (laplace) */
    /* Conv layers' shapes for one image (N = 1; a pass sets N = B): encoder
     * layer k is enc_conv[k]; the conv decoder's transposed convolution j
     * (1..depth, the last writing the logits) is dec_conv[j − 1], whose weights
     * are hid_W[j] (j < depth) or out_W; its dense start layer is hid_W[0]. */
    int n_enc_conv;           /* conv encoder layers (0: MLP encoder) */
    ConvShape enc_conv[MODEL_MAX_LAYERS];
    ConvShape dec_conv[MODEL_MAX_LAYERS];
    int enc_out;              /* what μ and log σ² read per image: last hidden width, or h·w·c */
} Model;

/* The factor r on z's share of a coord decoder's first layer, whose sine is
 * then sin(ω0·(γ·Wx + r·(z·Wz) + b)) = sin(ω0·(γ·Wx + b) + latent_omega·(z·Wz)):
 * r = latent_omega / ω0, and exactly 1 (the product skipped, so results stay
 * bit for bit what they were) for ReLU and for latent_omega = 0 or ω0. */
static inline float model_latent_ratio(const ModelConfig *c)
{
    if (c->activation != ACT_SINE || c->latent_omega == 0.0f || c->latent_omega == c->omega0)
        return 1.0f;
    return c->latent_omega / c->omega0;
}

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

/* The activations of a forward and backward pass (workspace.h). */
typedef struct Workspace Workspace;

/* The two halves of the ELBO, summed over the batch (nats), and the terms the
 * training objective adds or changes. The objective model_backward
 * differentiates is recon_scale·(recon + ffl) + kl_scale·rate; recon + kl is
 * the negative ELBO whatever the objective. */
typedef struct {
    double recon; /* −log p(x | z), scaled to the whole image when subsampling */
    double kl;    /* KL(q(z | x) || N(0, I)) */
    double ffl;   /* [loss] focal_frequency · Σ_images FFL (ffl.h); 0 when off */
    double rate;  /* the KL as the objective counts it: with free bits
                     kl_free_bits_forward's floored sum, else kl */
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
/* Backward of recon_scale·(recon + ffl) + kl_scale·rate into m->grads
 * (accumulates; the caller zeroes m->grads). Needs the activations of
 * model_forward. */
void model_backward(Model *m, Workspace *ws, int B, float recon_scale, float kl_scale);

/* Before a training loop's first step: in bf16, one forward and backward pass
 * over the workspace as it stands (its zeroed batch, z = μ) makes the oneDNN
 * primitive and memory objects of every product a step of B images runs, so
 * that no step creates any; the gradients it leaves are cleared, and nothing
 * else a step reads is changed. fp32 has nothing to make. 0, or -1 after
 * reporting a product oneDNN refused. */
int model_prepare_step(Model *m, Workspace *ws, int B);

#endif
