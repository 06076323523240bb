/* adam.h - Adam with decoupled weight decay (AdamW) and global-norm gradient
 * clipping, as one flat loop over the parameter buffers. */
#ifndef FFVAE_ADAM_H
#define FFVAE_ADAM_H

#include <stddef.h>

typedef struct {
    float lr, beta1, beta2, epsilon, weight_decay;
    float clip; /* maximum global gradient norm; 0 turns clipping off */
} AdamSettings;

/* Step t (1-based) over n parameters; grads are read, not changed.
 * Returns the gradient's global norm before clipping. */
double adam_step(float *params, const float *grads, float *m, float *v, size_t n,
                 const AdamSettings *s, long t);

#endif
