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
 *   sampled reconstructions decoded from the neg-ELBO's z = μ + σ ε instead
 *           of μ: psnr_sampled and hf_ratio_recon_sampled are psnr and
 *           hf_ratio_recon of them (what the posterior's spread costs).
 *   samples as many prior draws z ~ N(0, I) (stream (seed, 2)) as images,
 *           decoded to σ(logits) at the data's size.
 *   spectra the radially averaged mean power spectra (spectrum.h) of the
 *           data, the reconstructions and the samples, spectrum_bins(H, W)
 *           bins; hf_ratio_recon and hf_ratio_samples are hf_energy_ratio of
 *           each against the data's (NAN when the data has no power there).
 *   error   the error spectrum: the radially averaged mean power spectrum of
 *           x̂ − x (reconstruction minus original, each image's mean removed
 *           as for every spectrum, so the DC term is not counted);
 *           radial_error[b] / radial_data[b] is band b's relative error power
 *           ⟨|X̂ − X|²⟩_b / ⟨|X|²⟩_b. hf_error_ratio is hf_energy_ratio of it
 *           against the data's: the error power above half Nyquist over the
 *           data's power there (0 = perfect; noise and misplaced detail raise
 *           it, blur raises it up to about 1, the share of lost power).
 *   laplacian_ratio_recon / _samples: mean Laplacian variance (measures.h)
 *           of the reconstructions / samples over the data's.
 *   lfd     mean over images of image_lfd(x̂, x) (measures.h).
 *   With a classifier (classifier.h; evaluate_with), in its features:
 *   fid_samples, kid_samples ± kid_sd_samples, precision, recall: the prior
 *           samples against the split's images (frechet.h); fid_recon: the
 *           reconstructions against the images. NAN without a classifier or
 *           when the split has no more images than the classifier has
 *           features (note says which). */
#ifndef FFVAE_EVAL_H
#define FFVAE_EVAL_H

#include <stdint.h>
#include <stdio.h>

#include "classifier.h"
#include "dataset.h"
#include "model.h"

typedef struct {
    int n;                    /* images evaluated */
    int H, W, C;
    double nelbo, recon, kl;  /* per image, nats; nelbo = recon + kl */
    char bound_note[160];     /* "" when the model was trained on the ELBO; else why its
                                 objective was not (β = 0, free bits): the neg-ELBO is then
                                 "not a bound" on what the model optimised */
    int not_a_bound;          /* β = 0 or free bits changed the objective */
    double mse, psnr, ssim;
    double hf_ratio_recon, hf_ratio_samples;
    double psnr_sampled, hf_ratio_recon_sampled; /* from z = μ + σ ε instead of μ */
    double hf_error_ratio, laplacian_ratio_recon, laplacian_ratio_samples, lfd;
    int have_quality;          /* the five classifier numbers below were measured */
    double fid_samples, kid_samples, kid_sd_samples, precision, recall, fid_recon;
    char note[2400];           /* why they were not, for the command to show */
    int n_bins;
    double *radial_data, *radial_recon, *radial_samples, *radial_error; /* [n_bins] each,
                                                                           one allocation */
} EvalResult;



/* Evaluates m on the first n images of s (all of them when n <= 0 or
 * n > s->n). Refuses a split whose images are not the model's size. Returns
 * 0, or -1 after reporting; free the result with eval_result_free. */
int evaluate(EvalResult *r, const Model *m, const Split *s, int n, uint64_t seed);
/* The same, with the sample-quality numbers in the features of cls (NULL:
 * without them, as evaluate), whose image shape must be the model's. */
int evaluate_with(EvalResult *r, const Model *m, const Split *s, int n, uint64_t seed,
                  const Classifier *cls);
void eval_result_free(EvalResult *r);

/* `ffvae eval` as a whole: the VAE of checkpoint ckpt on the first n images
 * of the test split of dataset data (the train split with train_split), the
 * spectra CSV written to spectra_path. classifier: the classifier file, or
 * NULL for the dataset's default classifiers/NAME.h5 when it exists (without
 * one, r->note says how to make it). 0, or -1 after reporting. */
int evaluate_checkpoint(EvalResult *r, const char *ckpt, const char *data, int train_split, int n,
                        uint64_t seed, const char *spectra_path, const char *classifier);

/* CSV "bin,frequency,data,reconstructions,samples,error,relative_error", one
 * row per radial bin, frequency = the bin's centre in cycles/pixel, error the
 * error spectrum and relative_error = error / data; written atomically. */
int eval_write_spectra(const EvalResult *r, const char *path);

/* bound_note's text for a model config ("" when its objective is the ELBO);
 * returns 1 when the objective was no bound (β = 0 or free bits), else 0. */
int eval_bound_note(char *buf, size_t size, const ModelConfig *c);

/* One JSON object: images, nelbo, recon, kl, mse, psnr, ssim, hf_ratio_recon,
 * hf_ratio_samples, hf_error_ratio, laplacian_ratio_recon,
 * laplacian_ratio_samples, lfd, fid_samples, kid_samples, kid_sd_samples,
 * precision, recall, fid_recon, nelbo_is_bound (false with bound_note). JSON has no infinity or NaN: a non-finite
 * number is written as null. */
void eval_print_json(FILE *f, const EvalResult *r);
/* The same for people, one measure a line. */
void eval_print_text(FILE *f, const EvalResult *r);

#endif
