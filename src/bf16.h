/* bf16.h - fp32 <-> bf16 conversion (bf16: the top 16 bits of an fp32, 8
 * exponent bits and 7 mantissa bits), stored as uint16_t.
 *
 * fp32 -> bf16 rounds to nearest, ties to even; NaN stays NaN (made quiet,
 * sign kept); ±infinity stays infinity; a finite value that rounds past the
 * largest bf16 becomes infinity; fp32 denormal inputs become a zero of the
 * same sign, as the AVX512-BF16 instruction (vcvtne2ps2bf16) does, so the
 * fast path and the scalar one give the same bits. bf16 -> fp32 is exact. */
#ifndef FFVAE_BF16_H
#define FFVAE_BF16_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t bf16_round(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) /* NaN: keep sign and top payload, set quiet */
        return (uint16_t)((u >> 16) | 0x0040u);
    if ((u & 0x7f800000u) == 0) /* zero or denormal: signed zero */
        return (uint16_t)((u >> 16) & 0x8000u);
    u += 0x7fffu + ((u >> 16) & 1u); /* round to nearest even; overflow reaches infinity */
    return (uint16_t)(u >> 16);
}

static inline float bf16_value(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* y[i] = bf16_round(x[i]); uses AVX512-BF16 when the CPU has it. */
void bf16_from_floats(uint16_t *y, const float *x, size_t n);
/* y[i] = bf16_value(x[i]). */
void bf16_to_floats(float *y, const uint16_t *x, size_t n);
/* 1 when this CPU has the AVX512-BF16 instructions (vcvtne2ps2bf16, vdpbf16ps). */
int bf16_cpu_has_instructions(void);

#endif
