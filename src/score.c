/* score.c - `ffvae score`: two image sets in the classifier's features and
 * in their spectra (score.h). */
#include "score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "image_set.h"
#include "measures.h"
#include "spectrum.h"
#include "util.h"

static void to_float(float *x, const uint8_t *u8, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = u8[i] / 255.0f;
}

/* The spectral numbers: HF ratio and Laplacian variance ratio of b against
 * a, and with paired the error spectrum's HF ratio, LFD and MSE. */
static int spectral(ScoreResult *r, const ImageSet *a, const ImageSet *b)
{
    int H = a->h, W = a->w, C = a->c, nb = spectrum_bins(H, W), rc = -1, n_acc = 0;
    size_t img = (size_t)H * W * C;
    SpectrumAccum acc[3]; /* a, b, error */
    float *buf = checked_malloc(3 * img, sizeof *buf, "score images");
    double *radial = checked_malloc(3 * (size_t)nb, sizeof *radial, "score spectra");
    if (!buf || !radial)
        goto done;
    for (; n_acc < 3; n_acc++)
        if (spectrum_accum_init(&acc[n_acc], H, W, C) != 0)
            goto done;
    float *xa = buf, *xb = buf + img, *e = xb + img;
    double lap_a = 0, lap_b = 0, lfd = 0, mse = 0;
    for (int i = 0; i < a->n; i++) {
        to_float(xa, a->images + i * img, img);
        spectrum_accum_add(&acc[0], xa);
        lap_a += laplacian_variance(xa, H, W, C);
    }
    for (int i = 0; i < b->n; i++) {
        to_float(xb, b->images + i * img, img);
        spectrum_accum_add(&acc[1], xb);
        lap_b += laplacian_variance(xb, H, W, C);
        if (r->paired) {
            to_float(xa, a->images + i * img, img);
            for (size_t k = 0; k < img; k++)
                e[k] = xb[k] - xa[k];
            spectrum_accum_add(&acc[2], e);
            lfd += image_lfd(xb, xa, H, W, C);
            mse += image_mse(xb, xa, img);
        }
    }
    if (spectrum_accum_radial(radial, nb, &acc[0]) != 0 ||
        spectrum_accum_radial(radial + nb, nb, &acc[1]) != 0)
        goto done;
    r->hf_ratio = hf_energy_ratio(radial + nb, radial, nb);
    r->laplacian_ratio = (lap_b / b->n) / (lap_a / a->n);
    r->hf_error_ratio = r->lfd = r->mse = NAN;
    if (r->paired) {
        if (spectrum_accum_radial(radial + 2 * nb, nb, &acc[2]) != 0)
            goto done;
        r->hf_error_ratio = hf_energy_ratio(radial + 2 * nb, radial, nb);
        r->lfd = lfd / b->n;
        r->mse = mse / b->n;
    }
    rc = 0;
done:
    for (int i = 0; i < n_acc; i++)
        spectrum_accum_free(&acc[i]);
    free(buf);
    free(radial);
    return rc;
}

int score_run(ScoreResult *r, const ScoreOptions *o)
{
    memset(r, 0, sizeof *r);
    Classifier c;
    ImageSet a, b;
    if (classifier_load(&c, o->classifier) != 0)
        return -1;
    int rc = -1, have_a = 0, have_b = 0;
    double *fa = NULL, *fb = NULL;
    if (image_set_load(&a, o->a, o->limit) != 0)
        goto done;
    have_a = 1;
    if (image_set_load(&b, o->b, o->limit) != 0)
        goto done;
    have_b = 1;
    /* The reference set must be of the classifier's dataset; the other only
     * of its shape (a sample file names the dataset its model learnt, which
     * is checked too when it says). */
    if (classifier_check(&c, o->classifier, o->a, a.name, a.h, a.w, a.c) != 0 ||
        classifier_check(&c, o->classifier, o->b, b.name, b.h, b.w, b.c) != 0)
        goto done;
    if (o->paired && a.n != b.n) {
        ffvae_error("score: --paired needs as many images in %s (%d) as in %s (%d)", o->b, b.n,
                    o->a, a.n);
        goto done;
    }
    r->n_a = a.n, r->n_b = b.n, r->features = c.features, r->paired = o->paired;
    fa = checked_malloc((size_t)a.n * c.features, sizeof *fa, "features");
    fb = checked_malloc((size_t)b.n * c.features, sizeof *fb, "features");
    if (!fa || !fb || classifier_features_u8(&c, fa, a.images, a.n) != 0 ||
        classifier_features_u8(&c, fb, b.images, b.n) != 0)
        goto done;
    char what[8500];
    snprintf(what, sizeof what, "score %s against %s", o->b, o->a);
    if (sample_quality(&r->q, fa, a.n, fb, b.n, c.features, o->seed, what) != 0)
        goto done;
    rc = spectral(r, &a, &b);
done:
    free(fa);
    free(fb);
    if (have_a)
        image_set_free(&a);
    if (have_b)
        image_set_free(&b);
    classifier_free(&c);
    return rc;
}

void score_print_json(FILE *f, const ScoreResult *r)
{
    fprintf(f, "{\"images_a\": %d, \"images_b\": %d, \"features\": %d, ", r->n_a, r->n_b,
            r->features);
    json_number(f, "fid", r->q.fid, 0);
    json_number(f, "kid", r->q.kid, 0);
    json_number(f, "kid_sd", r->q.kid_sd, 0);
    json_number(f, "precision", r->q.precision, 0);
    json_number(f, "recall", r->q.recall, 0);
    json_number(f, "hf_ratio", r->hf_ratio, 0);
    json_number(f, "laplacian_ratio", r->laplacian_ratio, 0);
    json_number(f, "hf_error_ratio", r->hf_error_ratio, 0);
    json_number(f, "lfd", r->lfd, 0);
    json_number(f, "mse", r->mse, 1);
    fprintf(f, "}\n");
}

void score_print_text(FILE *f, const ScoreResult *r, const ScoreOptions *o)
{
    fprintf(f, "A           %s (%d images, the reference)\n", o->a, r->n_a);
    fprintf(f, "B           %s (%d images)\n", o->b, r->n_b);
    fprintf(f, "classifier  %s (%d features)\n", o->classifier, r->features);
    fprintf(f, "FID         %.4f\n", r->q.fid);
    fprintf(f, "KID         %.6f ± %.6f (mean ± sd over %d subsets)\n", r->q.kid, r->q.kid_sd,
            KID_SUBSETS);
    fprintf(f, "precision   %.4f   recall %.4f   (k = %d)\n", r->q.precision, r->q.recall, PR_K);
    fprintf(f, "HF ratio    %.4f   (B's power above 0.25 cycles/pixel / A's)\n", r->hf_ratio);
    fprintf(f, "Laplacian variance ratio %.4f (B / A)\n", r->laplacian_ratio);
    if (r->paired)
        fprintf(f, "HF error ratio %.4f   LFD %.4f   MSE %.6f   (B[i] against A[i])\n",
                r->hf_error_ratio, r->lfd, r->mse);
}
