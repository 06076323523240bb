/* sizes.h - bounds that more than one module sizes its arrays by, each
 * written once here so that they cannot drift apart. */
#ifndef FFVAE_SIZES_H
#define FFVAE_SIZES_H

/* The widest layer a model definition allows ([network] width, [encoder]
 * hidden). The fused activation passes keep one shift row of this width on
 * the stack, and the pool's per-part scratch holds one partial row of it. */
#define MAX_LAYER_WIDTH 8192

#endif
