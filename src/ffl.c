/* ffl.c - the focal frequency loss (definitions in ffl.h).
 *
 * Why FFTW. Measured with tests/ffl_fft_bench.c on this project's 2-core
 * machine (one thread, a batch of 64 grey images, two runs each, the
 * machine shared with a training run, so ±20%):
 *                                               28 × 28       64 × 64
 *   FFL forward + backward, SGEMM DFT          5.8-6.3 ms   37.8-44.9 ms
 *     (cos/sin tables through OpenBLAS: ffl.c as of commit f77d2ea)
 *   FFL forward + backward, FFTW (this file)   2.7 ms        9.0-11.7 ms
 *   spectrum.c's double DFT, one forward
 *     power spectrum per image                 2.9-3.8 ms   32-44 ms
 *   FFTW's three transforms alone (plan_many)  0.6-1.4 ms    2.8-4.6 ms
 * FFL needs three transforms per step (the forward, the backward's
 * recomputed forward and an inverse) with phase; spectrum.c's DFT gives only
 * power, has no inverse, and one forward pass of it already costs as much as
 * all of FFL on FFTW. The SGEMM DFT is O(H·W·(H + W)) against FFTW's
 * O(H·W·log(H·W)): 2 to 4 times slower in all, which at 64 × 64 is a
 * noticeable share of a training step. So FFTW (libfftw3-dev, single
 * precision), planned once per workspace with FFTW_ESTIMATE (a measured plan
 * could differ between runs, and so could the rounding). What remains of the
 * time is the element-wise work (σ, the weights), not the transforms. */
#include "ffl.h"

#include "fastmath.h"
#include "util.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

/* FFTW's planner is not thread-safe; fftwf_execute_* is. */
static pthread_mutex_t planner = PTHREAD_MUTEX_INITIALIZER;

int ffl_plan_init(FflPlan *p, int B, int H, int W, int C)
{
    memset(p, 0, sizeof *p);
    int nk = W / 2 + 1;
    size_t planes = (size_t)B * C;
    p->x = fftwf_malloc(planes * H * W * sizeof(float));
    p->spec = fftwf_malloc(planes * H * nk * 2 * sizeof(float));
    if (!p->x || !p->spec) {
        ffvae_error("focal frequency loss: out of memory for %zu planes of %dx%d", planes, H, W);
        ffl_plan_free(p);
        return -1;
    }
    p->B = B, p->H = H, p->W = W, p->C = C, p->nk = nk;
    /* One plane per plan, executed on every plane through the new-array
     * interface; FFTW_UNALIGNED because a plane of odd size starts off
     * FFTW's alignment. */
    pthread_mutex_lock(&planner);
    p->fwd = fftwf_plan_dft_r2c_2d(H, W, p->x, (fftwf_complex *)p->spec,
                                   FFTW_ESTIMATE | FFTW_UNALIGNED);
    p->inv = fftwf_plan_dft_c2r_2d(H, W, (fftwf_complex *)p->spec, p->x,
                                   FFTW_ESTIMATE | FFTW_UNALIGNED);
    pthread_mutex_unlock(&planner);
    if (!p->fwd || !p->inv) {
        ffvae_error("focal frequency loss: FFTW cannot plan a %dx%d transform", H, W);
        ffl_plan_free(p);
        return -1;
    }
    return 0;
}

void ffl_plan_free(FflPlan *p)
{
    pthread_mutex_lock(&planner);
    if (p->fwd)
        fftwf_destroy_plan(p->fwd);
    if (p->inv)
        fftwf_destroy_plan(p->inv);
    pthread_mutex_unlock(&planner);
    fftwf_free(p->x);
    fftwf_free(p->spec);
    memset(p, 0, sizeof *p);
}

/* The planes x[b·C + c] = σ(l) − t and their half spectra, unnormalised
 * (FFTW's; the orthonormal DFT is that times 1/√(H·W), applied where the
 * values are used). Grey images are planes already: one vectorised pass. */
static void spectrum(FflPlan *p, const float *logits, const float *target, int B)
{
    const int C = p->C, n = B * C;
    const size_t plane = (size_t)p->H * p->W, half = (size_t)p->H * p->nk;
    float *x = p->x;
    if (C == 1) {
        FF_ELEMENTWISE(i, (size_t)B * plane, x[i] = ff_sigmoid(logits[i]) - target[i]);
    } else {
        for (int b = 0; b < B; b++)
            for (size_t i = 0; i < plane; i++)
                for (int c = 0; c < C; c++) {
                    size_t at = ((size_t)b * plane + i) * C + c;
                    x[((size_t)b * C + c) * plane + i] = ff_sigmoid(logits[at]) - target[at];
                }
    }
    for (int k = 0; k < n; k++)
        fftwf_execute_dft_r2c(p->fwd, x + (size_t)k * plane,
                              (fftwf_complex *)(p->spec + 2 * (size_t)k * half));
}

/* How often column kx of the half spectrum stands in the full one: twice,
 * but for kx = 0 and (W even) kx = W/2, which are their own mirror. */
static inline float multiplicity(int kx, int W)
{
    return (kx == 0 || 2 * kx == W) ? 1.0f : 2.0f;
}

/* |ΔF|^α from |ΔF|²; α = 1 (the default) as a square root. */
static inline float weight_power(float m2, float alpha)
{
    return alpha == 1.0f ? sqrtf(m2) : powf(m2, 0.5f * alpha);
}

/* |ΔF|² of half-spectrum entry i, orthonormal: the unnormalised |S|² / (H·W). */
static inline float power_at(const float *s, size_t i, float inv_plane)
{
    return (s[2 * i] * s[2 * i] + s[2 * i + 1] * s[2 * i + 1]) * inv_plane;
}

/* max over a plane of |ΔF|^α (0 for an all-zero plane): the half holds
 * every magnitude of the full spectrum. */
static float plane_max(const float *s, size_t half, float inv_plane, float alpha)
{
    float top = 0;
    for (size_t i = 0; i < half; i++) {
        float w = weight_power(power_at(s, i, inv_plane), alpha);
        top = w > top ? w : top;
    }
    return top;
}

double ffl_forward(FflPlan *p, const float *logits, const float *target, float alpha, int B)
{
    spectrum(p, logits, target, B);
    const int H = p->H, W = p->W, nk = p->nk;
    const size_t half = (size_t)H * nk;
    const float inv_plane = 1.0f / ((float)H * (float)W);
    double total = 0;
    for (int k = 0; k < B * p->C; k++) {
        const float *s = p->spec + 2 * (size_t)k * half;
        float top = plane_max(s, half, inv_plane, alpha);
        if (top <= 0)
            continue; /* prediction equals target: no loss, and w is 0 */
        double sum = 0;
        for (int ky = 0; ky < H; ky++)
            for (int kx = 0; kx < nk; kx++) {
                float m2 = power_at(s, (size_t)ky * nk + kx, inv_plane);
                sum += (double)(multiplicity(kx, W) * weight_power(m2, alpha) / top) * m2;
            }
        total += sum / ((double)H * W);
    }
    return total / p->C;
}

void ffl_backward(FflPlan *p, float *dlogits, const float *logits, const float *target,
                  float alpha, float scale, int B)
{
    spectrum(p, logits, target, B);
    const int C = p->C, n = B * C;
    const size_t plane = (size_t)p->H * p->W, half = (size_t)p->H * p->nk;
    const float inv_plane = 1.0f / (float)plane;
    /* d/dx Σ w|ΔF|² = 2·Re(DFTᴴ(w ⊙ ΔF)): G = w ⊙ ΔF is Hermitian (w is
     * symmetric), so the c2r inverse of its half is that real sum. The
     * factors: the mean's 1/(C·H·W), the 2, w's 1/top, and 1/√(H·W) twice
     * (ΔF from FFTW's S, and the orthonormal inverse from FFTW's). */
    for (int k = 0; k < n; k++) {
        float *s = p->spec + 2 * (size_t)k * half;
        float top = plane_max(s, half, inv_plane, alpha);
        float f = top > 0 ? 2.0f * inv_plane * inv_plane / ((float)C * top) : 0.0f;
        for (size_t i = 0; i < half; i++) {
            float w = f * weight_power(power_at(s, i, inv_plane), alpha);
            s[2 * i] *= w;
            s[2 * i + 1] *= w;
        }
        fftwf_execute_dft_c2r(p->inv, (fftwf_complex *)s, p->x + (size_t)k * plane);
    }
    const float *x = p->x;
    if (C == 1) {
        FF_ELEMENTWISE(i, (size_t)B * plane, {
            float mu = ff_sigmoid(logits[i]);
            dlogits[i] += scale * x[i] * mu * (1.0f - mu);
        });
        return;
    }
    for (int b = 0; b < B; b++)
        for (size_t i = 0; i < plane; i++)
            for (int c = 0; c < C; c++) {
                size_t at = ((size_t)b * plane + i) * C + c;
                float mu = ff_sigmoid(logits[at]);
                dlogits[at] += scale * x[((size_t)b * C + c) * plane + i] * mu * (1.0f - mu);
            }
}
