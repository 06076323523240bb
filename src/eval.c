/* eval.c - negative ELBO, reconstruction quality and blur spectra of a
 * model on a split (definitions in eval.h). */
#include "eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    r->radial_data = r->radial_recon = r->radial_samples = NULL;
}

int evaluate(EvalResult *r, const Model *m, const Split *s, int n, uint64_t seed)
{
    memset(r, 0, sizeof *r);
    if (split_check_geometry(s, m->H, m->W, m->C, "evaluate", "the split") != 0)
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
    r->n_bins = spectrum_bins(H, W);

    Workspace ws;
    SpectrumAccum acc[3]; /* data, reconstructions, samples */
    int n_acc = 0, rc = -1, have_ws = 0;
    float *mean = checked_malloc((size_t)B, image_size * sizeof *mean, "evaluation images");
    r->radial_data = checked_malloc(3 * (size_t)r->n_bins, sizeof(double), "radial spectra");
    if (!mean || !r->radial_data)
        goto done;
    r->radial_recon = r->radial_data + r->n_bins;
    r->radial_samples = r->radial_recon + r->n_bins;
    if (workspace_create(&ws, m, B, 0, H, W) != 0)
        goto done;
    have_ws = 1;
    for (; n_acc < 3; n_acc++)
        if (spectrum_accum_init(&acc[n_acc], H, W, C) != 0)
            goto done;

    Rng eps_rng, prior_rng; /* separate streams: one does not shift the other */
    rng_seed(&eps_rng, seed, 1);
    rng_seed(&prior_rng, seed, 2);
    double recon = 0, kl = 0, mse = 0, psnr = 0, ssim_sum = 0;
    for (int first = 0; first < n; first += B) {
        int nb = n - first < B ? n - first : B;
        const uint8_t *batch = s->images + (size_t)first * image_size;
        workspace_load_images(&ws, m, batch, nb);

        /* Negative ELBO with one z sample per image. */
        LossParts lp = model_forward(m, &ws, nb, &eps_rng);
        recon += lp.recon;
        kl += lp.kl;

        /* Reconstructions from the posterior mean (ε = 0). */
        memset(ws.eps, 0, (size_t)nb * d * sizeof(float));
        model_encode(m, &ws, nb, NULL);
        model_decode(m, &ws, nb);
        mean_image(mean, ws.logits, (size_t)nb * image_size);
        for (int b = 0; b < nb; b++) {
            const float *x = ws.x + (size_t)b * image_size, *xr = mean + (size_t)b * image_size;
            double e = image_mse(xr, x, image_size);
            mse += e;
            psnr += psnr_db(e);
            ssim_sum += ssim(xr, x, H, W, C);
            spectrum_accum_add_u8(&acc[0], batch + (size_t)b * image_size);
            spectrum_accum_add(&acc[1], xr);
        }

        /* As many prior samples as images. */
        rng_normal_fill(&prior_rng, ws.z, (long)nb * d);
        model_decode(m, &ws, nb);
        mean_image(mean, ws.logits, (size_t)nb * image_size);
        for (int b = 0; b < nb; b++)
            spectrum_accum_add(&acc[2], mean + (size_t)b * image_size);
    }
    r->recon = recon / n;
    r->kl = kl / n;
    r->nelbo = r->recon + r->kl;
    r->mse = mse / n;
    r->psnr = psnr / n;
    r->ssim = ssim_sum / n;
    if (spectrum_accum_radial(r->radial_data, r->n_bins, &acc[0]) != 0 ||
        spectrum_accum_radial(r->radial_recon, r->n_bins, &acc[1]) != 0 ||
        spectrum_accum_radial(r->radial_samples, r->n_bins, &acc[2]) != 0)
        goto done;
    r->hf_ratio_recon = hf_energy_ratio(r->radial_recon, r->radial_data, r->n_bins);
    r->hf_ratio_samples = hf_energy_ratio(r->radial_samples, r->radial_data, r->n_bins);
    rc = 0;
done:
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
    fprintf(f, "bin,frequency,data,reconstructions,samples\n");
    for (int b = 0; b < r->n_bins; b++)
        fprintf(f, "%d,%.6f,%.9g,%.9g,%.9g\n", b, spectrum_bin_centre(b, r->n_bins),
                r->radial_data[b], r->radial_recon[b], r->radial_samples[b]);
    return output_close(&o, f);
}

/* A JSON number, or null for inf / NaN (JSON has neither). */
static void json_number(FILE *f, const char *key, double v, int last)
{
    if (isfinite(v))
        fprintf(f, "\"%s\": %.9g%s", key, v, last ? "" : ", ");
    else
        fprintf(f, "\"%s\": null%s", key, last ? "" : ", ");
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
    json_number(f, "hf_ratio_samples", r->hf_ratio_samples, 1);
    fprintf(f, "}\n");
}

void eval_print_text(FILE *f, const EvalResult *r)
{
    fprintf(f, "images      %d of %dx%dx%d\n", r->n, r->H, r->W, r->C);
    fprintf(f, "neg-ELBO    %.3f nats/image (reconstruction %.3f + KL %.3f; one z per image)\n",
            r->nelbo, r->recon, r->kl);
    fprintf(f, "MSE         %.6f\n", r->mse);
    fprintf(f, "PSNR        %.3f dB\n", r->psnr);
    fprintf(f, "SSIM        %.4f\n", r->ssim);
    fprintf(f, "HF ratio    reconstructions %.4f, samples %.4f (power above 0.25 cycles/pixel, "
               "model / data)\n",
            r->hf_ratio_recon, r->hf_ratio_samples);
}

int evaluate_checkpoint(EvalResult *r, const char *ckpt, const char *data, int train_split, int n,
                        uint64_t seed, const char *spectra_path)
{
    Model m;
    Dataset ds;
    memset(r, 0, sizeof *r);
    if (load_vae(&m, ckpt) != 0)
        return -1;
    if (load_fitting_data(&ds, &m, ckpt, data) != 0) {
        model_free(&m);
        return -1;
    }
    int rc = evaluate(r, &m, train_split ? &ds.train : &ds.test, n, seed);
    if (rc == 0 && eval_write_spectra(r, spectra_path) != 0) {
        eval_result_free(r);
        rc = -1;
    }
    dataset_free(&ds);
    model_free(&m);
    return rc;
}
