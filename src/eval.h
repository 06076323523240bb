/* eval.h - the numbers `ffvae eval` and every `ffvae compare` run report:
 * negative ELBO, reconstruction MSE / PSNR / SSIM and the blur measures of
 * spectrum.h, computed on one split of a dataset.
 *
 * Definitions (copied into the README):
 *   nelbo   mean over images of −log p(x | z) + KL(q(z | x) || N(0, I)) in nats,
 *           with ONE z = μ + σ ε per image, ε from the stream (seed, 1): a
 *           single-sample estimate, so it varies slightly with the seed.
 *   recon   x̂ = σ(logits) decoded from the posterior mean z = μ (never
 *           binarised or sampled), against x = pixel / 255.
 *   mse     mean over images of image_mse(x̂, x); psnr the mean over images
 *           of psnr_db(image MSE) (+inf when any image is exact); ssim the
 *           mean over images of ssim(x̂, x) (measures.h).
 *   samples as many prior draws z ~ N(0, I) (stream (seed, 2)) as images,
 *           decoded to σ(logits) at the data's size.
 *   spectra the radially averaged mean power spectra (spectrum.h) of the
 *           data, the reconstructions and the samples, spectrum_bins(H, W)
 *           bins; hf_ratio_recon and hf_ratio_samples are hf_energy_ratio of
 *           each against the data's (NAN when the data has no power there). */
#ifndef FFVAE_EVAL_H
#define FFVAE_EVAL_H

#include <stdint.h>
#include <stdio.h>

#include "dataset.h"
#include "model.h"

typedef struct {
    int n;                    /* images evaluated */
    int H, W, C;
    double nelbo, recon, kl;  /* per image, nats; nelbo = recon + kl */
    double mse, psnr, ssim;
    double hf_ratio_recon, hf_ratio_samples;
    int n_bins;
    double *radial_data, *radial_recon, *radial_samples; /* [n_bins] each, one allocation */
} EvalResult;

/* Evaluates m on the first n images of s (all of them when n <= 0 or
 * n > s->n). Refuses a split whose images are not the model's size. Returns
 * 0, or -1 after reporting; free the result with eval_result_free. */
int evaluate(EvalResult *r, const Model *m, const Split *s, int n, uint64_t seed);
void eval_result_free(EvalResult *r);

/* `ffvae eval` as a whole: the VAE of checkpoint ckpt on the first n images
 * of the test split of dataset data (the train split with train_split), the
 * spectra CSV written to spectra_path. 0, or -1 after reporting. */
int evaluate_checkpoint(EvalResult *r, const char *ckpt, const char *data, int train_split, int n,
                        uint64_t seed, const char *spectra_path);

/* CSV "bin,frequency,data,reconstructions,samples", one row per radial bin,
 * frequency = the bin's centre in cycles/pixel; written atomically. */
int eval_write_spectra(const EvalResult *r, const char *path);

/* One JSON object: nelbo, recon, kl, mse, psnr, ssim, hf_ratio_recon,
 * hf_ratio_samples, images. JSON has no infinity or NaN: a non-finite
 * number is written as null. */
void eval_print_json(FILE *f, const EvalResult *r);
/* The same for people, one measure a line. */
void eval_print_text(FILE *f, const EvalResult *r);

#endif
