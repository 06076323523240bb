/* score.h - `ffvae score A B -c CLASSIFIER`: how far image set B is from
 * image set A (the reference, usually real data) in the classifier's features
 * (FID, KID, precision/recall, frechet.h) and in its spectrum (the HF ratio,
 * spectrum.h, and the Laplacian variance ratio, measures.h), and with
 * `paired` (B[i] an estimate of A[i], same count) the error spectrum:
 * per radial band the error power <|B - A|^2> over the data's <|A|^2>, its
 * sum above half Nyquist (the HF error ratio), and the LFD. */
#ifndef FFVAE_SCORE_H
#define FFVAE_SCORE_H

#include <stdint.h>
#include <stdio.h>

#include "frechet.h"

typedef struct {
    const char *a, *b;          /* FILE.h5[:test|:train] */
    const char *classifier;     /* CLASSIFIER.h5 */
    int limit;                  /* > 0: the first N images of each set */
    int paired;
    uint64_t seed;              /* KID's subsets */
} ScoreOptions;

typedef struct {
    int n_a, n_b, features;
    SampleQuality q;
    double hf_ratio;            /* B's power above half Nyquist / A's */
    double laplacian_ratio;     /* mean Laplacian variance of B / of A */
    int paired;
    double hf_error_ratio, lfd, mse; /* paired only (NAN otherwise) */
} ScoreResult;

int score_run(ScoreResult *r, const ScoreOptions *o);
void score_print_json(FILE *f, const ScoreResult *r);
void score_print_text(FILE *f, const ScoreResult *r, const ScoreOptions *o);

#endif
