/* ffl.c - the focal frequency loss (definitions in ffl.h).
 *
 * Why SGEMM DFTs rather than spectrum.c's transform or FFTW: spectrum.c's DFT
 * is double, real input only, and gives power, not the complex spectrum the
 * weights and the backward need; FFTW would be a new dependency. Measured on
 * this machine (tests/ffl_bench.c, one forward + backward of a batch of 64):
 * see the README's Training section for the numbers. */
#include "ffl.h"

#include "fastmath.h"
#include "util.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static void dft_tables(float *c, float *s, int N)
{
    double norm = 1.0 / sqrt((double)N);
    for (int k = 0; k < N; k++)
        for (int n = 0; n < N; n++) {
            double a = 2.0 * M_PI * (double)(((long)k * n) % N) / N; /* reduced first: exact */
            c[(size_t)k * N + n] = (float)(norm * cos(a));
            s[(size_t)k * N + n] = (float)(norm * sin(a));
        }
}

int ffl_plan_init(FflPlan *p, int B, int H, int W, int C)
{
    memset(p, 0, sizeof *p);
    size_t plane = (size_t)H * W, planes = (size_t)B * C * plane;
    size_t total = 2 * (size_t)W * W + 2 * (size_t)H * H + 5 * planes;
    p->mem = checked_calloc(total, sizeof(float), "focal frequency loss");
    if (!p->mem)
        return -1;
    p->B = B, p->H = H, p->W = W, p->C = C;
    float *q = p->mem;
    p->cw = q, q += (size_t)W * W;
    p->sw = q, q += (size_t)W * W;
    p->ch = q, q += (size_t)H * H;
    p->sh = q, q += (size_t)H * H;
    p->x = q, q += planes;
    p->yr = q, q += planes;
    p->yi = q, q += planes;
    p->dr = q, q += planes;
    p->di = q;
    dft_tables(p->cw, p->sw, W);
    dft_tables(p->ch, p->sh, H);
    return 0;
}

void ffl_plan_free(FflPlan *p)
{
    free(p->mem);
    memset(p, 0, sizeof *p);
}

/* C[M, N] = alpha · A[M, K] · B[K, N] + beta · C, row-major. */
static void gemm(float *c, const float *a, const float *b, int M, int N, int K, float alpha,
                 float beta)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, alpha, a, K, b, N, beta, c, N);
}

/* The planes x[b·C + c] = σ(l) − t, then the spectrum dr + i·di of each:
 * rows Y = X·(C_W − i S_W), columns D = (C_H − i S_H)·Y. */
static void spectrum(FflPlan *p, const float *logits, const float *target, int B)
{
    const int H = p->H, W = p->W, C = p->C, n = B * C;
    const size_t plane = (size_t)H * W;
    for (int b = 0; b < B; b++)
        for (size_t i = 0; i < plane; i++)
            for (int c = 0; c < C; c++) {
                size_t at = ((size_t)b * plane + i) * C + c;
                p->x[((size_t)b * C + c) * plane + i] = ff_sigmoid(logits[at]) - target[at];
            }
    gemm(p->yr, p->x, p->cw, n * H, W, W, 1.0f, 0.0f);  /* Yr =  X C_W (C_W symmetric) */
    gemm(p->yi, p->x, p->sw, n * H, W, W, -1.0f, 0.0f); /* Yi = −X S_W */
    for (int k = 0; k < n; k++) {
        size_t o = (size_t)k * plane;
        gemm(p->dr + o, p->ch, p->yr + o, H, W, H, 1.0f, 0.0f); /* Dr = C_H Yr + S_H Yi */
        gemm(p->dr + o, p->sh, p->yi + o, H, W, H, 1.0f, 1.0f);
        gemm(p->di + o, p->ch, p->yi + o, H, W, H, 1.0f, 0.0f); /* Di = C_H Yi − S_H Yr */
        gemm(p->di + o, p->sh, p->yr + o, H, W, H, -1.0f, 1.0f);
    }
}

/* |ΔF|^α from |ΔF|²; α = 1 (the default) as a square root. */
static inline float weight_power(float m2, float alpha)
{
    return alpha == 1.0f ? sqrtf(m2) : powf(m2, 0.5f * alpha);
}

/* max over plane k of |ΔF|^α (0 for an all-zero plane). */
static float plane_max(const FflPlan *p, size_t o, size_t plane, float alpha)
{
    float top = 0;
    for (size_t i = 0; i < plane; i++) {
        float m2 = p->dr[o + i] * p->dr[o + i] + p->di[o + i] * p->di[o + i];
        float w = weight_power(m2, alpha);
        top = w > top ? w : top;
    }
    return top;
}

double ffl_forward(FflPlan *p, const float *logits, const float *target, float alpha, int B)
{
    spectrum(p, logits, target, B);
    const size_t plane = (size_t)p->H * p->W;
    double total = 0;
    for (int k = 0; k < B * p->C; k++) {
        size_t o = (size_t)k * plane;
        float top = plane_max(p, o, plane, alpha);
        if (top <= 0)
            continue; /* prediction equals target: no loss, and w is 0 */
        double s = 0;
        for (size_t i = 0; i < plane; i++) {
            float m2 = p->dr[o + i] * p->dr[o + i] + p->di[o + i] * p->di[o + i];
            s += (double)(weight_power(m2, alpha) / top) * m2;
        }
        total += s / (double)plane;
    }
    return total / p->C;
}

void ffl_backward(FflPlan *p, float *dlogits, const float *logits, const float *target,
                  float alpha, float scale, int B)
{
    spectrum(p, logits, target, B);
    const int H = p->H, W = p->W, C = p->C, n = B * C;
    const size_t plane = (size_t)H * W;
    /* G = w ⊙ ΔF, in place, with the mean's 1/(C·H·W) and the 2 of d|ΔF|². */
    for (int k = 0; k < n; k++) {
        size_t o = (size_t)k * plane;
        float top = plane_max(p, o, plane, alpha);
        float f = top > 0 ? 2.0f / ((float)C * (float)plane * top) : 0.0f;
        for (size_t i = 0; i < plane; i++) {
            float m2 = p->dr[o + i] * p->dr[o + i] + p->di[o + i] * p->di[o + i];
            float w = f * weight_power(m2, alpha);
            p->dr[o + i] *= w;
            p->di[o + i] *= w;
        }
    }
    /* d/dx = Re(conj(A_H) G conj(A_W)): columns U = (C_H + i S_H) G, then
     * rows Re(U (C_W + i S_W)) = Ur C_W − Ui S_W. */
    for (int k = 0; k < n; k++) {
        size_t o = (size_t)k * plane;
        gemm(p->yr + o, p->ch, p->dr + o, H, W, H, 1.0f, 0.0f); /* Ur = C_H Gr − S_H Gi */
        gemm(p->yr + o, p->sh, p->di + o, H, W, H, -1.0f, 1.0f);
        gemm(p->yi + o, p->ch, p->di + o, H, W, H, 1.0f, 0.0f); /* Ui = C_H Gi + S_H Gr */
        gemm(p->yi + o, p->sh, p->dr + o, H, W, H, 1.0f, 1.0f);
    }
    gemm(p->x, p->yr, p->cw, n * H, W, W, 1.0f, 0.0f);
    gemm(p->x, p->yi, p->sw, n * H, W, W, -1.0f, 1.0f);
    for (int b = 0; b < B; b++)
        for (size_t i = 0; i < plane; i++)
            for (int c = 0; c < C; c++) {
                size_t at = ((size_t)b * plane + i) * C + c;
                float mu = ff_sigmoid(logits[at]);
                dlogits[at] += scale * p->x[((size_t)b * C + c) * plane + i] * mu * (1.0f - mu);
            }
}
