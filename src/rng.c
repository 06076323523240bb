/* rng.c - PCG32 (O'Neill 2014): small state, good statistics, cheap. */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(Rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t s = seed;
    r->inc = (splitmix64(&s) ^ (stream * 0xda942042e4dd58b5ULL)) | 1u;
    r->state = 0;
    rng_u32(r);
    r->state += splitmix64(&s);
    rng_u32(r);
}

uint32_t rng_u32(Rng *r)
{
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

float rng_uniform(Rng *r)
{
    return (float)(rng_u32(r) >> 8) * (1.0f / 16777216.0f);
}

uint32_t rng_below(Rng *r, uint32_t n)
{
    /* Lemire's method without the rejection step's bias: reject the short tail. */
    uint32_t threshold = (uint32_t)(-n) % n;
    for (;;) {
        uint64_t m = (uint64_t)rng_u32(r) * n;
        if ((uint32_t)m >= threshold)
            return (uint32_t)(m >> 32);
    }
}

float rng_normal(Rng *r)
{
    /* u1 in (0, 1] so the log is finite. */
    double u1 = ((double)rng_u32(r) + 1.0) / 4294967296.0;
    double u2 = (double)rng_u32(r) / 4294967296.0;
    return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
}

void rng_normal_fill(Rng *r, float *x, long n)
{
    for (long i = 0; i < n; i++)
        x[i] = rng_normal(r);
}

void rng_shuffle(Rng *r, int32_t *idx, long n)
{
    for (long i = n - 1; i > 0; i--) {
        long j = (long)rng_below(r, (uint32_t)(i + 1));
        int32_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}
