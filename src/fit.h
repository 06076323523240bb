/* fit.h - one image as a neural representation (`ffvae fit`): a coordinate
 * network f(x, y) with no latent is fitted to a single image, reproducing the
 * image-regression protocol of Tancik et al. (2020).
 *
 * Protocol:
 *   - the model's [data] height/width/channels are replaced by the image's;
 *     [training] batch becomes 1 and pixels 0 (the split below decides which
 *     pixels train); the loss is the mean squared error of σ(logits) against
 *     the pixels (set as [likelihood] gaussian with σ² = ½, whose negative
 *     log-likelihood is the squared error plus a constant), minimised by Adam
 *     with the model's [training] settings;
 *   - holdout: train on the pixels whose row AND column are both even, test on
 *     all the others (a quarter trains, three quarters test); without holdout
 *     every pixel trains and there is no test set;
 *   - 'spectrum' frequencies come from the training pixels only (with holdout,
 *     the power spectrum of the even-row, even-column subimage), so the test
 *     pixels never inform the model;
 *   - PSNRs are of the rendered mean image σ(logits) at the image's size, over
 *     the train pixels and over the test pixels.
 * Results (FitResult) and the training curve are what `ffvae fit` reports.
 *
 * In an MPI job (distributed.h) the step is data-parallel over the training
 * pixels: they are cut, in their fixed order, into chunks of FIT_CHUNK_PIXELS
 * (the last one shorter), a cut that does not depend on the number of ranks
 * N; rank r runs chunks [r·K/N, (r+1)·K/N) of the K, each chunk's gradient
 * goes into the step's one reduction (dist_train.h: exact, the default, or
 * fast), and every rank takes the same Adam step. In exact mode the fitted
 * parameters are bit-identical for every N ≤ K, even when N does not divide K
 * (integer sums do not depend on which rank added what). Every rank evaluates
 * the PSNRs (the same parameters give the same numbers; a render is cheaper
 * than a step); only the caller's rank 0 writes anything. */
#ifndef FFVAE_FIT_H
#define FFVAE_FIT_H

#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "progress.h"

/* Pixels per chunk of an MPI job's step: small enough that a 256x256 image
 * (16384 training pixels with holdout) splits over 64 ranks, large enough that
 * each chunk's GEMMs ([256, W] x [W, W]) stay efficient and the per-chunk cost
 * of the exact sum (a pass over the gradient) stays small beside its compute. */
#define FIT_CHUNK_PIXELS 256

/* 1 when pixel (row i, column j) trains under the protocol above. */
static inline int fit_is_train_pixel(int i, int j, int holdout)
{
    return !holdout || (i % 2 == 0 && j % 2 == 0);
}

/* Splits the H×W pixels (p = i·W + j, ascending): train[*n_train] and
 * test[*n_test]; each array needs room for H·W entries. */
void fit_split(int32_t *train, int *n_train, int32_t *test, int *n_test, int H, int W,
               int holdout);

/* img[S, S, C] = uniform white noise in 0..255, a function of the seed only. */
void fit_noise_image(uint8_t *img, int S, int C, uint64_t seed);

/* Makes cfg fit an H×W×C image under the protocol (geometry, batch, pixels,
 * likelihood). Refuses, naming origin, a model with a latent or a dense
 * decoder. */
int fit_prepare_config(ModelConfig *cfg, const char *origin, int H, int W, int C);

typedef struct {
    long steps;             /* Adam steps */
    uint64_t seed;          /* frequencies and initial weights */
    int holdout;            /* the published split (above) */
    int curve_every;        /* steps between curve rows (0: only the first and last) */
    FILE *curve;            /* NULL, or receives "step,train_psnr,test_psnr,seconds" rows */
    const char *name;       /* for messages and the progress line */
    const Reporter *report; /* NULL: quiet; a live status shows the step and speed */
} FitSettings;

typedef struct {
    double train_psnr, test_psnr; /* dB; test is NAN without holdout */
    double seconds;               /* the optimisation steps only (not evaluation) */
    double freq_power;            /* Σ_f ‖b_f‖² over the encoding's frequencies (0 for none) */
    int n_train, n_test;
    uint64_t param_hash;          /* an MPI job: dist_hash of the fitted parameters, else 0 */
} FitResult;

/* Fits image (uint8 [H, W, C]) with the model cfg (prepared by
 * fit_prepare_config). On success m holds the fitted model (the caller frees
 * it) and fitted (if not NULL) receives the mean image float [H, W, C]. */
int fit_image(FitResult *res, Model *m, const ModelConfig *cfg, const uint8_t *image, int H,
              int W, int C, const FitSettings *s, float *fitted);

#endif
