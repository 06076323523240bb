/* rng.h - a small, seedable, serialisable random generator
 * (PCG32, seeded through splitmix64). Its whole state is two uint64 words, so a checkpoint
 * can store it and a resumed run continues the same stream. Streams are
 * derived from (seed, stream id), so per-purpose (and later per-rank) streams
 * never overlap. */
#ifndef FFVAE_RNG_H
#define FFVAE_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t state;
    uint64_t inc; /* odd; selects the stream */
} Rng;

void rng_seed(Rng *r, uint64_t seed, uint64_t stream);
uint32_t rng_u32(Rng *r);
/* Uniform in [0, 1). */
float rng_uniform(Rng *r);
/* Uniform integer in [0, n). */
uint32_t rng_below(Rng *r, uint32_t n);
/* Standard normal (Box-Muller, no cached second value so state stays 2 words). */
float rng_normal(Rng *r);
/* Fills x[n] with N(0, 1) draws. */
void rng_normal_fill(Rng *r, float *x, long n);
/* Fisher-Yates shuffle of idx[n]. */
void rng_shuffle(Rng *r, int32_t *idx, long n);

#endif
