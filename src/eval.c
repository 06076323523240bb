/* eval.c - negative ELBO, reconstruction quality and blur spectra of a
 * model on a split (definitions in eval.h). */
#include "eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frechet.h"
#include "measures.h"
#include "model_io.h"
#include "render.h"
#include "spectrum.h"
#include "util.h"
#include "workspace.h"

/* Images per pass: bounds the workspace ([B·P, width] activations). */
#define EVAL_BATCH 64

void eval_result_free(EvalResult *r)
{
    free(r->radial_data);
    r->radial_data = r->radial_recon = r->radial_samples = r->radial_error = NULL;
}

int eval_bound_note(char *buf, size_t size, const ModelConfig *c)
{
    if (c->beta == 0) {
        snprintf(buf, size, "not a bound: trained with beta = 0 (a plain autoencoder)");
        return 1;
    }
    if (c->free_bits > 0) {
        snprintf(buf, size, "not a bound: trained with free_bits = %g (the KL below the floor "
                            "was not minimised)", c->free_bits);
        return 1;
    }
    if (c->beta != 1)
        snprintf(buf, size, "trained with beta = %g: the neg-ELBO (beta = 1) bounds -log p(x), "
                            "but it is not the objective the model minimised", c->beta);
    else
        buf[0] = '\0';
    return 0;
}

int evaluate(EvalResult *r, const Model *m, const Split *s, int n, uint64_t seed)
{
    return evaluate_with(r, m, s, n, seed, NULL);
}

/* FID, KID and precision/recall of the samples, FID of the reconstructions,
 * from the features of the data (fd), reconstructions (fr) and samples (fs). */
static int quality(EvalResult *r, const double *fd, const double *fr, const double *fs, int n,
                   int D, uint64_t seed)
{
    SampleQuality q;
    if (sample_quality(&q, fd, n, fs, n, D, seed, "eval: prior samples") != 0)
        return -1;
    r->fid_samples = q.fid, r->kid_samples = q.kid, r->kid_sd_samples = q.kid_sd;
    r->precision = q.precision, r->recall = q.recall;
    FeatureStats a, b;
    if (feature_stats(&a, fd, n, D, "eval: data") != 0)
        return -1;
    int rc = feature_stats(&b, fr, n, D, "eval: reconstructions");
    if (rc == 0) {
        rc = frechet_distance(&r->fid_recon, &a, &b);
        feature_stats_free(&b);
    }
    feature_stats_free(&a);
    r->have_quality = rc == 0;
    return rc;
}

int evaluate_with(EvalResult *r, const Model *m, const Split *s, int n, uint64_t seed,
                  const Classifier *cls)
{
    memset(r, 0, sizeof *r);
    if (split_check_geometry(s, m->H, m->W, m->C, "evaluate", "the split") != 0)
        return -1;
    if (cls && classifier_check(cls, "evaluate: the classifier", "the model's images", NULL,
                                m->H, m->W, m->C) != 0)
        return -1;
    if (m->latent < 1) {
        ffvae_error("evaluate: the model has no latent code (not a VAE)");
        return -1;
    }
    if (n <= 0 || n > s->n)
        n = s->n;
    if (n < 1) {
        ffvae_error("evaluate: the split has no images");
        return -1;
    }
    const int H = m->H, W = m->W, C = m->C, d = m->latent, B = n < EVAL_BATCH ? n : EVAL_BATCH;
    const size_t image_size = (size_t)m->P * C;
    r->n = n, r->H = H, r->W = W, r->C = C;
    r->not_a_bound = eval_bound_note(r->bound_note, sizeof r->bound_note, &m->cfg);
    r->n_bins = spectrum_bins(H, W);

    Workspace ws;
    enum { N_ACC = 5 };
    SpectrumAccum acc[N_ACC]; /* data, reconstructions, samples, errors, sampled-z recon */
    int n_acc = 0, rc = -1, have_ws = 0;
    r->fid_samples = r->kid_samples = r->kid_sd_samples = r->precision = r->recall =
        r->fid_recon = NAN;
    /* Features of the data, reconstructions and samples when there is a
     * classifier and enough images for FID (else a note says why not). */
    int D = cls ? cls->features : 0, want_features = cls && n > D;
    if (!cls)
        snprintf(r->note, sizeof r->note, "no classifier: FID, KID and precision/recall "
                                          "not measured");
    else if (!want_features)
        snprintf(r->note, sizeof r->note,
                 "%d images are too few for FID in the classifier's %d feature dimensions "
                 "(it needs more than %d): FID, KID and precision/recall not measured",
                 n, D, D);
    double *feat = NULL;
    float *mean = checked_malloc((size_t)B, 2 * image_size * sizeof *mean, "evaluation images");
    r->radial_data = checked_malloc(N_ACC * (size_t)r->n_bins, sizeof(double), "radial spectra");
    if (want_features)
        feat = checked_malloc(3 * (size_t)n, (size_t)D * sizeof *feat, "features");
    if (!mean || !r->radial_data || (want_features && !feat))
        goto done;
    float *err = mean + (size_t)B * image_size; /* [image_size] one error image */
    double *f_data = feat, *f_recon = feat ? feat + (size_t)n * D : NULL,
           *f_samples = feat ? f_recon + (size_t)n * D : NULL;
    r->radial_recon = r->radial_data + r->n_bins;
    r->radial_samples = r->radial_recon + r->n_bins;
    r->radial_error = r->radial_samples + r->n_bins;
    double *radial_sampled = r->radial_error + r->n_bins;
    if (workspace_create(&ws, m, B, 0, H, W) != 0)
        goto done;
    have_ws = 1;
    for (; n_acc < N_ACC; n_acc++)
        if (spectrum_accum_init(&acc[n_acc], H, W, C) != 0)
            goto done;

    Rng eps_rng, prior_rng; /* separate streams: one does not shift the other */
    rng_seed(&eps_rng, seed, 1);
    rng_seed(&prior_rng, seed, 2);
    double recon = 0, kl = 0, mse = 0, psnr = 0, ssim_sum = 0, lfd = 0, psnr_sampled = 0;
    double lap_data = 0, lap_recon = 0, lap_samples = 0;
    for (int first = 0; first < n; first += B) {
        int nb = n - first < B ? n - first : B;
        const uint8_t *batch = s->images + (size_t)first * image_size;
        workspace_load_images(&ws, m, batch, nb);

        /* Negative ELBO with one z sample per image. */
        LossParts lp = model_forward(m, &ws, nb, &eps_rng);
        recon += lp.recon;
        kl += lp.kl;
        mean_image(mean, ws.logits, (size_t)nb * image_size, m->cfg.likelihood); /* decoded from that z */
        for (int b = 0; b < nb; b++) {
            const float *xs = mean + (size_t)b * image_size;
            psnr_sampled += psnr_db(image_mse(xs, ws.x + (size_t)b * image_size, image_size));
            spectrum_accum_add(&acc[4], xs);
        }

        /* Reconstructions from the posterior mean (ε = 0). */
        memset(ws.eps, 0, (size_t)nb * d * sizeof(float));
        model_encode(m, &ws, nb, NULL);
        model_decode(m, &ws, nb);
        mean_image(mean, ws.logits, (size_t)nb * image_size, m->cfg.likelihood);
        for (int b = 0; b < nb; b++) {
            const float *x = ws.x + (size_t)b * image_size, *xr = mean + (size_t)b * image_size;
            double e = image_mse(xr, x, image_size);
            mse += e;
            psnr += psnr_db(e);
            ssim_sum += ssim(xr, x, H, W, C);
            lfd += image_lfd(xr, x, H, W, C);
            lap_data += laplacian_variance(x, H, W, C);
            lap_recon += laplacian_variance(xr, H, W, C);
            spectrum_accum_add_u8(&acc[0], batch + (size_t)b * image_size);
            spectrum_accum_add(&acc[1], xr);
            for (size_t k = 0; k < image_size; k++)
                err[k] = xr[k] - x[k];
            spectrum_accum_add(&acc[3], err);
        }
        if (want_features &&
            (classifier_features_u8(cls, f_data + (size_t)first * D, batch, nb) != 0 ||
             classifier_features_f32(cls, f_recon + (size_t)first * D, mean, nb) != 0))
            goto done;

        /* As many prior samples as images. */
        rng_normal_fill(&prior_rng, ws.z, (long)nb * d);
        model_decode(m, &ws, nb);
        mean_image(mean, ws.logits, (size_t)nb * image_size, m->cfg.likelihood);
        for (int b = 0; b < nb; b++) {
            spectrum_accum_add(&acc[2], mean + (size_t)b * image_size);
            lap_samples += laplacian_variance(mean + (size_t)b * image_size, H, W, C);
        }
        if (want_features &&
            classifier_features_f32(cls, f_samples + (size_t)first * D, mean, nb) != 0)
            goto done;
    }
    r->recon = recon / n;
    r->kl = kl / n;
    r->nelbo = r->recon + r->kl;
    r->mse = mse / n;
    r->psnr = psnr / n;
    r->psnr_sampled = psnr_sampled / n;
    r->ssim = ssim_sum / n;
    r->lfd = lfd / n;
    r->laplacian_ratio_recon = lap_recon / lap_data;
    r->laplacian_ratio_samples = lap_samples / lap_data;
    if (spectrum_accum_radial(r->radial_data, r->n_bins, &acc[0]) != 0 ||
        spectrum_accum_radial(r->radial_recon, r->n_bins, &acc[1]) != 0 ||
        spectrum_accum_radial(r->radial_samples, r->n_bins, &acc[2]) != 0 ||
        spectrum_accum_radial(r->radial_error, r->n_bins, &acc[3]) != 0 ||
        spectrum_accum_radial(radial_sampled, r->n_bins, &acc[4]) != 0)
        goto done;
    r->hf_ratio_recon_sampled = hf_energy_ratio(radial_sampled, r->radial_data, r->n_bins);
    r->hf_ratio_recon = hf_energy_ratio(r->radial_recon, r->radial_data, r->n_bins);
    r->hf_ratio_samples = hf_energy_ratio(r->radial_samples, r->radial_data, r->n_bins);
    r->hf_error_ratio = hf_energy_ratio(r->radial_error, r->radial_data, r->n_bins);
    if (want_features && quality(r, f_data, f_recon, f_samples, n, D, seed) != 0)
        goto done;
    rc = 0;
done:
    free(feat);
    for (int i = 0; i < n_acc; i++)
        spectrum_accum_free(&acc[i]);
    if (have_ws)
        workspace_free(&ws);
    free(mean);
    if (rc != 0)
        eval_result_free(r);
    return rc;
}

int eval_write_spectra(const EvalResult *r, const char *path)
{
    OutputFile o;
    FILE *f = output_open(&o, path);
    if (!f)
        return -1;
    fprintf(f, "bin,frequency,data,reconstructions,samples,error,relative_error\n");
    for (int b = 0; b < r->n_bins; b++)
        fprintf(f, "%d,%.6f,%.9g,%.9g,%.9g,%.9g,%.9g\n", b, spectrum_bin_centre(b, r->n_bins),
                r->radial_data[b], r->radial_recon[b], r->radial_samples[b], r->radial_error[b],
                r->radial_data[b] > 0 ? r->radial_error[b] / r->radial_data[b] : 0.0);
    return output_close(&o, f);
}

void eval_print_json(FILE *f, const EvalResult *r)
{
    fprintf(f, "{\"images\": %d, ", r->n);
    json_number(f, "nelbo", r->nelbo, 0);
    json_number(f, "recon", r->recon, 0);
    json_number(f, "kl", r->kl, 0);
    json_number(f, "mse", r->mse, 0);
    json_number(f, "psnr", r->psnr, 0);
    json_number(f, "ssim", r->ssim, 0);
    json_number(f, "hf_ratio_recon", r->hf_ratio_recon, 0);
    json_number(f, "hf_ratio_samples", r->hf_ratio_samples, 0);
    json_number(f, "psnr_sampled", r->psnr_sampled, 0);
    json_number(f, "hf_ratio_recon_sampled", r->hf_ratio_recon_sampled, 0);
    json_number(f, "hf_error_ratio", r->hf_error_ratio, 0);
    json_number(f, "laplacian_ratio_recon", r->laplacian_ratio_recon, 0);
    json_number(f, "laplacian_ratio_samples", r->laplacian_ratio_samples, 0);
    json_number(f, "lfd", r->lfd, 0);
    json_number(f, "fid_samples", r->fid_samples, 0);
    json_number(f, "kid_samples", r->kid_samples, 0);
    json_number(f, "kid_sd_samples", r->kid_sd_samples, 0);
    json_number(f, "precision", r->precision, 0);
    json_number(f, "recall", r->recall, 0);
    json_number(f, "fid_recon", r->fid_recon, 0);
    fprintf(f, "\"nelbo_is_bound\": %s}\n", r->not_a_bound ? "false" : "true");
}

void eval_print_text(FILE *f, const EvalResult *r)
{
    fprintf(f, "images      %d of %dx%dx%d\n", r->n, r->H, r->W, r->C);
    fprintf(f, "neg-ELBO    %.3f nats/image (reconstruction %.3f + KL %.3f; one z per image)\n",
            r->nelbo, r->recon, r->kl);
    if (r->bound_note[0])
        fprintf(f, "            %s\n", r->bound_note);
    fprintf(f, "MSE         %.6f\n", r->mse);
    fprintf(f, "PSNR        %.3f dB\n", r->psnr);
    fprintf(f, "SSIM        %.4f\n", r->ssim);
    fprintf(f, "HF ratio    reconstructions %.4f, samples %.4f (power above 0.25 cycles/pixel, "
               "model / data)\n",
            r->hf_ratio_recon, r->hf_ratio_samples);
    fprintf(f, "HF error    %.4f (error power above 0.25 cycles/pixel / data's; 0 = exact)\n",
            r->hf_error_ratio);
    fprintf(f, "sampled z   reconstructions from z = mu + sigma eps: PSNR %.3f dB, HF ratio %.4f\n",
            r->psnr_sampled, r->hf_ratio_recon_sampled);
    fprintf(f, "Laplacian   variance ratio: reconstructions %.4f, samples %.4f (model / data)\n",
            r->laplacian_ratio_recon, r->laplacian_ratio_samples);
    fprintf(f, "LFD         %.4f (log frequency distance, Jiang et al. 2021)\n", r->lfd);
    if (r->have_quality) {
        fprintf(f, "FID         samples %.3f, reconstructions %.3f (classifier features)\n",
                r->fid_samples, r->fid_recon);
        fprintf(f, "KID         samples %.5f ± %.5f\n", r->kid_samples, r->kid_sd_samples);
        fprintf(f, "precision   %.4f   recall %.4f (samples, k = %d)\n", r->precision, r->recall,
                PR_K);
    }
}

/* The classifier at path, or the dataset's default one when path is NULL
 * and it exists. *have = 0 with no classifier (note says how to make one). */
static int find_classifier(Classifier *c, int *have, const char *path, const Dataset *ds,
                           const char *data, const Model *m, char *note, size_t size)
{
    char def[4200];
    *have = 0;
    if (!path) {
        if (classifier_default_path(def, sizeof def, ds->name) != 0)
            return -1;
        if (!path_exists(def)) {
            snprintf(note, size,
                     "no classifier (%.600s does not exist): FID, KID and precision/recall not "
                     "measured; make it with: ffvae classifier -d %.600s -o %.600s",
                     def, data, def);
            return 0;
        }
        path = def;
    }
    if (classifier_load(c, path) != 0)
        return -1;
    if (classifier_check(c, path, data, ds->name, m->H, m->W, m->C) != 0) {
        classifier_free(c);
        return -1;
    }
    *have = 1;
    return 0;
}

int evaluate_checkpoint(EvalResult *r, const char *ckpt, const char *data, int train_split, int n,
                        uint64_t seed, const char *spectra_path, const char *classifier)
{
    Model m;
    Dataset ds;
    Classifier cls;
    int have_cls = 0;
    char note[sizeof r->note] = "";
    memset(r, 0, sizeof *r);
    if (load_vae(&m, ckpt) != 0)
        return -1;
    if (load_fitting_data(&ds, &m, ckpt, data) != 0) {
        model_free(&m);
        return -1;
    }
    if (find_classifier(&cls, &have_cls, classifier, &ds, data, &m, note, sizeof note) != 0) {
        dataset_free(&ds);
        model_free(&m);
        return -1;
    }
    int rc = evaluate_with(r, &m, train_split ? &ds.train : &ds.test, n, seed,
                           have_cls ? &cls : NULL);
    if (rc == 0 && note[0])
        snprintf(r->note, sizeof r->note, "%s", note);
    if (have_cls)
        classifier_free(&cls);
    if (rc == 0 && eval_write_spectra(r, spectra_path) != 0) {
        eval_result_free(r);
        rc = -1;
    }
    dataset_free(&ds);
    model_free(&m);
    return rc;
}
