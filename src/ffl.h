/* ffl.h - the focal frequency loss (Jiang et al. 2021, "Focal Frequency Loss
 * for Image Reconstruction and Synthesis"), as a forward/backward pair on a
 * decoder's whole-image logits.
 *
 * For each image and channel, with the prediction p = σ(logits) and the target
 * t, both [H, W]:
 *   ΔF  = DFT(p) − DFT(t) = DFT(p − t)    orthonormal 2-D DFT (torch.fft.fft2(·, norm="ortho"))
 *   w   = |ΔF|^α / max over the plane of |ΔF|^α   (0 where the plane's ΔF is all 0)
 *   FFL = mean over the H·W frequencies of w · |ΔF|²
 * and an image's loss is the mean of FFL over its C channels. The weight
 * matrix w is a constant for the gradient (the paper detaches it), so the
 * backward is d/dp of Σ w|ΔF|² at fixed w, 2·Re(DFTᴴ(w ⊙ ΔF)), then through σ
 * into the logits. As in the paper's code, w is normalised per image and
 * channel (the same thing for grey images).
 *
 * The DFT is FFTW's single-precision real-to-complex transform (and its
 * complex-to-real inverse for the backward), one plane at a time: a real
 * image's spectrum is Hermitian, so the H × (W/2 + 1) half holds all of it,
 * and the sums over the full H × W spectrum count each other column twice.
 * ffl.c says why FFTW (measured). */
#ifndef FFVAE_FFL_H
#define FFVAE_FFL_H

typedef struct {
    int B, H, W, C;  /* batch capacity and image geometry */
    int nk;          /* W/2 + 1 columns of the half spectrum */
    float *x;        /* [B·C, H, W] the planes σ(l) − t, then their gradient */
    float *spec;     /* [B·C, H, nk] complex (re, im) half spectra */
    void *fwd, *inv; /* fftwf_plan: one plane r2c, and its c2r inverse */
} FflPlan;

/* Plans and scratch for up to B images of H×W×C (FFTW_ESTIMATE: the same
 * plan, and so the same numbers, every run). 0, or -1 after reporting. */
int ffl_plan_init(FflPlan *p, int B, int H, int W, int C);
void ffl_plan_free(FflPlan *p);

/* Σ over the B images of their FFL; logits and target [B, H·W·C] (channels
 * last: the layout of every decoder's whole-image logits). */
double ffl_forward(FflPlan *p, const float *logits, const float *target, float alpha, int B);
/* dlogits += scale · d(Σ FFL)/dlogits at fixed w. */
void ffl_backward(FflPlan *p, float *dlogits, const float *logits, const float *target,
                  float alpha, float scale, int B);

#endif
