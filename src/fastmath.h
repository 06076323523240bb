/* fastmath.h - branch-free, libm-free sin, cos, exp and log1p as static inline
 * scalar kernels. Private to the library: loops over arrays call these so that
 * gcc -O2 can inline and auto-vectorise them (a libm call in a loop body stops
 * vectorisation). Rounding uses the add-and-subtract-a-magic-constant trick,
 * because rint()/floor() are library calls without SSE4.1.
 *
 * Accuracy: ff_sin/ff_cos within 2e-6 absolute of libm for |x| <= 1e4 (tested;
 * 1.6e-7 measured, and 1e-6 up to |x| = 1e5, past which the error grows);
 * ff_exp within a few ulps; ff_log1p_unit within a few ulps for u in [0, 1]. */
#ifndef FFVAE_FASTMATH_H
#define FFVAE_FASTMATH_H

#include <stdint.h>
#include <string.h>

#define FF_1_PI 0.31830988618379067154

/* 1.5·2^52: adding it to |x| < 2^51 rounds x to an integer in the low mantissa bits. */
#define FF_ROUND_MAGIC_D 6755399441055744.0
/* 1.5·2^23: the same for floats, |x| < 2^22. */
#define FF_ROUND_MAGIC_F 12582912.0f

/* gcc -O2 (its "very cheap" cost model) vectorises a loop only when the trip
 * count is a known multiple of the vector width, so array loops run in blocks
 * of FF_BLOCK with a fixed-count inner loop, then a scalar tail. */
#define FF_BLOCK 8

/* Runs 'statement' (which uses index i) for i < n: FF_BLOCK-sized blocks with a
 * fixed-count inner loop (vectorised), then the remainder. ivdep: outputs may
 * equal inputs element for element, which is no loop-carried dependence. */
#define FF_ELEMENTWISE(i, n, statement)                                     \
    do {                                                                    \
        size_t i##_block = 0;                                               \
        for (; i##_block + FF_BLOCK <= (n); i##_block += FF_BLOCK)          \
            _Pragma("GCC ivdep")                                            \
            for (size_t i = i##_block; i < i##_block + FF_BLOCK; i++)       \
                statement;                                                  \
        for (size_t i = i##_block; i < (n); i++)                            \
            statement;                                                      \
    } while (0)

/* Loops that evaluate sin/cos get a second, AVX2 copy chosen at load time
 * (gcc's target_clones, through an ifunc): 8 floats per vector instead of
 * SSE2's 4. Without FMA the arithmetic, and so the result,
 * is the same in both copies. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define FF_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define FF_VECTOR_CLONES
#endif

/* cond ? a : b without control flow: a float ternary followed by arithmetic is
 * not if-converted by gcc without -ffast-math, but integer masks are. */
static inline float ff_select(uint32_t cond, float a, float b)
{
    uint32_t mask = 0u - cond, a_bits, b_bits;
    memcpy(&a_bits, &a, sizeof a_bits);
    memcpy(&b_bits, &b, sizeof b_bits);
    uint32_t bits = (a_bits & mask) | (b_bits & ~mask);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* π split in three floats (Cody and Waite): P1 has 8 significant bits and P2
 * 11, so h·P1 and h·P2 are exact for the half-integers h, |h| < 4096, that
 * the reduction multiplies them by (|x| up to about 1.2e4); P3 is the rest. */
#define FF_PI_A 3.140625f
#define FF_PI_B 9.67502593994140625e-4f
#define FF_PI_C 1.509957990978376432e-7f

/* sin(kπ + r) = (−1)^k sin r: writes x + offset·π (offset 0 for sin, ½ for
 * cos, since cos x = sin(x + π/2)) as kπ + r with |r| <= π/2 and returns r
 * with the sign (−1)^k folded in, so one odd polynomial finishes the job.
 * All in float, so a vector holds 8 lanes with AVX2; k's parity is read from
 * the low mantissa bit of the rounded value (no float-to-int conversion that
 * could overflow). */
static inline float ff_reduce_half_turns(float x, float offset)
{
    float rounded = (x * (float)FF_1_PI + offset) + FF_ROUND_MAGIC_F;
    float h = (rounded - FF_ROUND_MAGIC_F) - offset; /* k − offset, exact */
    uint32_t k_bits;
    memcpy(&k_bits, &rounded, sizeof k_bits);
    float r = ((x - h * FF_PI_A) - h * FF_PI_B) - h * FF_PI_C;
    uint32_t r_bits;
    memcpy(&r_bits, &r, sizeof r_bits);
    r_bits ^= (k_bits & 1u) << 31; /* odd k: sin(kπ + r) = −sin r = sin(−r) */
    memcpy(&r, &r_bits, sizeof r);
    return r;
}

/* Taylor polynomial of sin on |r| <= π/2 up to r^11: truncation error
 * < (π/2)^13/13! < 6e-8, below float rounding. One polynomial per value,
 * where a quadrant reduction needs both a sin and a cos polynomial. */
static inline float ff_sin_poly(float r)
{
    float r2 = r * r;
    return r + r * r2 * (-1.0f / 6 + r2 * (1.0f / 120 + r2 * (-1.0f / 5040 +
                         r2 * (1.0f / 362880 + r2 * (-1.0f / 39916800)))));
}

static inline float ff_sin(float x)
{
    return ff_sin_poly(ff_reduce_half_turns(x, 0.0f));
}

static inline float ff_cos(float x)
{
    return ff_sin_poly(ff_reduce_half_turns(x, 0.5f));
}

/* e^x for float x: x = k·ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln 2),
 * a degree-7 Taylor polynomial, and 2^k built in the exponent bits. x is clamped
 * to [−87, 88] so 2^k stays a normal float: e^−87 ≈ 1.6e−38 stands in for
 * anything smaller, e^88 ≈ 1.7e38 for anything larger. */
static inline float ff_exp(float x)
{
    x = ff_select(x < -87.0f, -87.0f, x);
    x = ff_select(x > 88.0f, 88.0f, x);
    float k = (x * 1.44269504088896341f + FF_ROUND_MAGIC_F) - FF_ROUND_MAGIC_F;
    float r = x - k * 0.693145751953125f;  /* ln 2, high part: exact product k·hi */
    r = r - k * 1.428606765330187e-06f;   /* ln 2, low part */
    float p = 1.0f + r * (1.0f + r * (1.0f / 2 + r * (1.0f / 6 + r * (1.0f / 24 +
              r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
    int32_t exponent_bits = ((int32_t)k + 127) << 23;
    float scale;
    memcpy(&scale, &exponent_bits, sizeof scale);
    return p * scale;
}

/* log(1 + u) for u in [0, 1]: with s = u / (2 + u) <= 1/3, log(1 + u) =
 * 2·atanh(s) = 2(s + s³/3 + s⁵/5 + ...); seven terms leave < 1e-8. Accurate
 * relative to the result for tiny u too, unlike log(1 + u). */
static inline float ff_log1p_unit(float u)
{
    float s = u / (2.0f + u);
    float s2 = s * s;
    return 2.0f * s * (1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 +
           s2 * (1.0f / 9 + s2 * (1.0f / 11 + s2 * (1.0f / 13)))))));
}

/* σ(l) = 1 / (1 + e^−l); the clamp in ff_exp keeps it finite for any l. */
static inline float ff_sigmoid(float l)
{
    return 1.0f / (1.0f + ff_exp(-l));
}

#endif
