/* model_bf16.h - the encoders' and decoders' forward and backward with bf16
 * operands (precision = bf16), private to model.c. Same products, same order
 * and same fp32 reductions as model.c's fp32 passes; each
 * product reads bf16 (the weights cast once per step into ws->wb, the
 * activations written in bf16 by the fused passes) and accumulates in fp32. */
#ifndef FFVAE_MODEL_BF16_H
#define FFVAE_MODEL_BF16_H

#include "model.h"
#include "workspace.h"

/* ws->wb = the weights in bf16: once per step, before the first product. */
void cast_weights_bf16(const Model *m, Workspace *ws);
/* The encoder's layers: ws->x → μ, log σ² (fp32). */
void encoder_layers_bf16(const Model *m, Workspace *ws, int B);
void decode_coord_bf16(const Model *m, Workspace *ws, int B);
void backward_coord_bf16(Model *m, Workspace *ws, int B);
/* The dense decoder: z → MLP → logits [B, H·W·C]; backward ends in ws->dz (overwritten). */
void decode_dense_bf16(const Model *m, Workspace *ws, int B);
void backward_dense_bf16(Model *m, Workspace *ws, int B);
/* The conv decoder (model.c's decode_conv and backward_conv): the same fp32
 * activations, with a bf16 copy of each for the next product (ws->hb[k]). */
void decode_conv_bf16(const Model *m, Workspace *ws, int B);
void backward_conv_bf16(Model *m, Workspace *ws, int B);
/* From dμ and d log σ² (fp32) back through the encoder's layers. */
void backward_encoder_layers_bf16(Model *m, Workspace *ws, int B);

#endif
