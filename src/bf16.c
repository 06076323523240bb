/* bf16.c - array conversions between fp32 and bf16 (bf16.h). */
#include "bf16.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define BF16_HAVE_X86 1
#endif

int bf16_cpu_has_instructions(void)
{
#ifdef BF16_HAVE_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw");
#else
    return 0;
#endif
}

static void from_floats_scalar(uint16_t *y, const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = bf16_round(x[i]);
}

#ifdef BF16_HAVE_X86
/* 32 floats per instruction; the instruction rounds to nearest even, keeps
 * NaN quiet and flushes denormal inputs, as bf16_round does. */
__attribute__((target("avx512f,avx512bw,avx512bf16"))) static void
from_floats_avx512(uint16_t *y, const float *x, size_t n)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 lo = _mm512_loadu_ps(x + i), hi = _mm512_loadu_ps(x + i + 16);
        __m512bh v = _mm512_cvtne2ps_pbh(hi, lo);
        _mm512_storeu_si512((void *)(y + i), (__m512i)v);
    }
    from_floats_scalar(y + i, x + i, n - i);
}
#endif

void bf16_from_floats(uint16_t *y, const float *x, size_t n)
{
#ifdef BF16_HAVE_X86
    static int fast = -1; /* decided once: the CPU does not change */
    if (fast < 0)
        fast = bf16_cpu_has_instructions();
    if (fast) {
        from_floats_avx512(y, x, n);
        return;
    }
#endif
    from_floats_scalar(y, x, n);
}

void bf16_to_floats(float *y, const uint16_t *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = bf16_value(x[i]);
}
