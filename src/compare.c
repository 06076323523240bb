/* compare.c - `ffvae compare`: train, evaluate and report side by side. */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "dataset.h"
#include "eval.h"
#include "image_grid.h"
#include "latent.h"
#include "model_config.h"
#include "plot.h"
#include "render.h"
#include "spectrum.h"
#include "strbuf.h"
#include "train.h"
#include "util.h"

/* ---- summaries and the verdict (pure functions, tested on fixed tables) --- */

Stat stat_of(const double *x, int n)
{
    Stat s = {0, 0};
    for (int i = 0; i < n; i++)
        s.mean += x[i] / n;
    if (n > 1) {
        double ss = 0;
        for (int i = 0; i < n; i++)
            ss += (x[i] - s.mean) * (x[i] - s.mean);
        s.sd = sqrt(ss / (n - 1));
    }
    return s;
}

double sharpness_gap(double hf_ratio)
{
    return hf_ratio > 0 ? fabs(log(hf_ratio)) : INFINITY;
}

/* A score where larger is better, for each column. */
static double column_score(const ModelSummary *s, int metric)
{
    double v = s->stat[metric].mean;
    switch (metric) {
    case METRIC_NELBO:
    case METRIC_SECONDS: return -v;
    case METRIC_HF_RECON:
    case METRIC_HF_SAMPLES: return -sharpness_gap(v);
    default: return v;
    }
}

int best_in_column(const ModelSummary *s, int n, int metric)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (column_score(&s[i], metric) > column_score(&s[best], metric))
            best = i;
    return best;
}

/* Appends the verdict (see compare_verdict) to b; returns the sharpest model. */
static int verdict_text(StrBuf *b, const ModelSummary *s, int n, int *clear)
{
    int top = best_in_column(s, n, METRIC_HF_RECON);
    *clear = 0;
    const Stat *t = &s[top].stat[METRIC_HF_RECON];
    if (n < 2) {
        strbuf_printf(b, "Only one model (%s, HF ratio %.3f): nothing to compare.", s[top].name,
                      t->mean);
        return top;
    }
    int second = -1;
    for (int i = 0; i < n; i++)
        if (i != top && (second < 0 || column_score(&s[i], METRIC_HF_RECON) >
                                           column_score(&s[second], METRIC_HF_RECON)))
            second = i;
    const Stat *u = &s[second].stat[METRIC_HF_RECON];
    double diff = sharpness_gap(u->mean) - sharpness_gap(t->mean);
    /* The spread of |ln r| over seeds is about sd/r for each model. */
    double spread = t->sd / fmax(t->mean, 1e-12) + u->sd / fmax(u->mean, 1e-12);
    strbuf_printf(b,
                  "Sharpest decoder: **%s**, whose reconstructions keep %.0f%% of the data's "
                  "high-frequency energy (HF ratio %.3f ± %.3f), against %.0f%% for the "
                  "next sharpest, %s (%.3f ± %.3f). ",
                  s[top].name, 100 * t->mean, t->mean, t->sd, 100 * u->mean, s[second].name,
                  u->mean, u->sd);
    if (s[top].seeds < 2 || s[second].seeds < 2)
        strbuf_printf(b, "With one seed there is no spread to compare the difference against: "
                         "run with --seeds 3 before drawing a conclusion.");
    else if (diff > spread) {
        *clear = 1;
        strbuf_printf(b,
                      "The difference (%.3f in |ln HF ratio|) is larger than the spread over %d "
                      "seeds (%.3f): a clear result.",
                      diff, s[top].seeds, spread);
    } else
        strbuf_printf(b,
                      "The difference (%.3f in |ln HF ratio|) is within the spread over %d seeds "
                      "(%.3f): no clear winner.",
                      diff, s[top].seeds, spread);
    return top;
}

int compare_verdict(char *buf, size_t size, const ModelSummary *s, int n, int *clear)
{
    StrBuf b = STRBUF_INIT("verdict");
    int top = verdict_text(&b, s, n, clear);
    snprintf(buf, size, "%s", strbuf_text(&b));
    strbuf_free(&b);
    return top;
}

/* ---- the comparison ------------------------------------------------------ */

typedef struct {
    double metric[N_METRICS];
    long steps;
} RunResult;

typedef struct {
    const CompareOptions *o;
    Dataset ds;
    ModelConfig *cfg;   /* [n_models] */
    RunResult *runs;    /* [n_models · seeds] */
    double *radial;     /* [n_models + 1, n_bins]: data, then each model (mean over seeds) */
    int n_bins;
} Comparison;

static int run_dir(char *buf, size_t size, const CompareOptions *o, const char *name, int seed)
{
    int n = snprintf(buf, size, "%s/runs/%s/seed%d", o->out_dir, name, seed);
    if (n < 0 || (size_t)n >= size) {
        ffvae_error("%s: path too long", o->out_dir);
        return -1;
    }
    return 0;
}

/* Everything is checked before any training: every model loads and fits the
 * data, and no two share a name. */
static int check_models(Comparison *c)
{
    const CompareOptions *o = c->o;
    const Split *sp = &c->ds.train;
    for (int i = 0; i < o->n_models; i++) {
        ModelConfig *m = &c->cfg[i];
        if (config_load(m, o->models[i]) != 0)
            return -1;
        if (split_check_geometry(sp, m->height, m->width, m->channels, o->models[i],
                                 o->data_path) != 0)
            return -1;
        if (m->latent < 1) {
            ffvae_error("%s: [latent] size 0 is a fit network, not a VAE", o->models[i]);
            return -1;
        }
        if (sp->n < m->batch) {
            ffvae_error("%s: %d training images, fewer than one batch of %d", o->data_path, sp->n,
                        m->batch);
            return -1;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(c->cfg[j].name, m->name) == 0) {
                ffvae_error("%s: duplicate model name '%s' (also %s); set [model] name to tell "
                            "them apart",
                            o->models[i], m->name, o->models[j]);
                return -1;
            }
    }
    return 0;
}

/* The manifest says what the comparison is; a rerun must say the same. */
static char *manifest_text(const Comparison *c)
{
    const CompareOptions *o = c->o;
    StrBuf b = STRBUF_INIT("manifest");
    strbuf_printf(&b,
                  "ffvae compare manifest 1\ndataset %s (%d train images)\n"
                  "budget %s %g\nseeds %d\n",
                  c->ds.name, c->ds.train.n, o->steps ? "steps" : "epochs",
                  o->steps ? (double)o->steps : o->epochs, o->seeds);
    for (int i = 0; i < o->n_models; i++) {
        char *cfg = config_to_string(&c->cfg[i]);
        if (!cfg) {
            strbuf_free(&b);
            return NULL;
        }
        strbuf_printf(&b, "--- model %s\n%s", c->cfg[i].name, cfg);
        free(cfg);
    }
    return strbuf_take(&b);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
        buf[n] = '\0';
    else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static int claim_output(const Comparison *c)
{
    char path[4200];
    if (make_dirs(c->o->out_dir) != 0 ||
        path_join(path, sizeof path, c->o->out_dir, "manifest.txt") != 0)
        return -1;
    char *want = manifest_text(c);
    if (!want)
        return -1;
    char *have = read_file(path);
    int rc = 0;
    if (have && strcmp(have, want) != 0) {
        ffvae_error("%s: holds a different comparison (see its manifest.txt); choose another -o",
                    c->o->out_dir);
        rc = -1;
    } else if (!have) {
        rc = write_file_atomic(path, want);
    }
    free(have);
    free(want);
    return rc;
}

/* Trains one run unless its checkpoint already reached the budget. */
static int train_one(const Comparison *c, int i, int seed, const char *dir, int index, int total)
{
    const CompareOptions *o = c->o;
    char ckpt[4200];
    path_join(ckpt, sizeof ckpt, dir, "checkpoint.h5");
    long per_epoch = c->ds.train.n / c->cfg[i].batch;
    long target = o->steps ? o->steps : (long)ceil(o->epochs * (double)per_epoch);
    int resume = path_exists(ckpt);
    if (resume) {
        Model m;
        TrainState s;
        if (checkpoint_load(ckpt, &m, &s) != 0)
            return -1;
        long done = s.step;
        train_state_free(&s);
        model_free(&m);
        if (done >= target) {
            printf("[%d/%d] %s seed %d: finished (%ld steps), skipped\n", index, total,
                   c->cfg[i].name, seed, done);
            return 0;
        }
    }
    printf("[%d/%d] %s seed %d: %s\n", index, total, c->cfg[i].name, seed,
           resume ? "resuming" : "training");
    fflush(stdout);
    TrainOptions t = {.model_path = resume ? NULL : o->models[i],
                      .data_path = o->data_path,
                      .run_dir = dir,
                      .steps = target,
                      .seed = (uint64_t)seed,
                      .threads = o->threads,
                      .resume = resume,
                      .progress = o->progress,
                      .resume_hint = "run the same command again to resume"};
    return train_run(&t);
}

/* Reconstructions, samples and an interpolation of one model, as PNG grids. */
#define FIG_IMAGES 8
static int model_figures(const Comparison *c, const Model *m, float *recon_rows, int row)
{
    const CompareOptions *o = c->o;
    const Split *te = &c->ds.test;
    int H = m->H, W = m->W, C = m->C, d = m->latent, n = te->n < FIG_IMAGES ? te->n : FIG_IMAGES;
    size_t img = (size_t)H * W * C;
    float *z = checked_malloc((size_t)2 * FIG_IMAGES, (size_t)d * sizeof(float), "latents");
    float *pics = checked_malloc((size_t)2 * FIG_IMAGES + 2, img * sizeof(float), "figure images");
    int rc = (!z || !pics) ? -1 : 0;
    char path[4300];
    /* reconstructions: one row of the shared figure */
    if (rc == 0)
        rc = latent_encode_means(z, m, te->images, n);
    if (rc == 0)
        rc = render_mean_images(recon_rows + (size_t)row * FIG_IMAGES * img, m, z, n, H, W);
    /* samples: two rows of prior draws */
    if (rc == 0) {
        Rng r;
        rng_seed(&r, 7, 3);
        latent_sample_prior(z, 2 * FIG_IMAGES, d, 1.0f, &r);
        rc = render_mean_images(pics, m, z, 2 * FIG_IMAGES, H, W);
        snprintf(path, sizeof path, "%s/samples-%s.png", o->out_dir, m->cfg.name);
        if (rc == 0)
            rc = image_grid_write_png(path, pics, 2 * FIG_IMAGES, H, W, C, FIG_IMAGES, 2);
    }
    /* interpolation: test image 0 → 1, originals at the ends */
    if (rc == 0 && te->n >= 2) {
        float ends[2 * 64];
        float *mu = d <= 64 ? ends : NULL;
        rc = mu ? latent_encode_means(mu, m, te->images, 2) : -1;
        if (rc == 0) {
            latent_path(z, mu, mu + d, d, FIG_IMAGES, 0);
            rc = render_mean_images(pics + img, m, z, FIG_IMAGES, H, W);
        }
        if (rc == 0) {
            for (size_t k = 0; k < img; k++) {
                pics[k] = te->images[k] / 255.0f;
                pics[(FIG_IMAGES + 1) * img + k] = te->images[img + k] / 255.0f;
            }
            snprintf(path, sizeof path, "%s/interp-%s.png", o->out_dir, m->cfg.name);
            rc = image_grid_write_png(path, pics, FIG_IMAGES + 2, H, W, C, FIG_IMAGES + 2, 2);
        }
    }
    free(z);
    free(pics);
    return rc;
}

static const char *const metric_names[N_METRICS] = {
    "nelbo", "psnr", "ssim", "hf_ratio_recon", "hf_ratio_samples", "train_seconds", "images_per_s"};

/* Evaluates every run, draws the per-model figures from each model's first seed. */
static int evaluate_runs(Comparison *c, float *recon_rows)
{
    const CompareOptions *o = c->o;
    for (int i = 0; i < o->n_models; i++) {
        for (int k = 1; k <= o->seeds; k++) {
            char dir[4096], ckpt[4200];
            if (run_dir(dir, sizeof dir, o, c->cfg[i].name, k) != 0)
                return -1;
            path_join(ckpt, sizeof ckpt, dir, "checkpoint.h5");
            Model m;
            TrainState s;
            if (checkpoint_load(ckpt, &m, &s) != 0)
                return -1;
            EvalResult e;
            int rc = evaluate(&e, &m, &c->ds.test, o->eval_images, 1);
            if (rc == 0) {
                RunResult *r = &c->runs[i * o->seeds + (k - 1)];
                double v[N_METRICS] = {e.nelbo, e.psnr, e.ssim, e.hf_ratio_recon,
                                       e.hf_ratio_samples, s.seconds,
                                       s.seconds > 0 ? (double)s.step * m.cfg.batch / s.seconds : 0};
                memcpy(r->metric, v, sizeof v);
                r->steps = s.step;
                c->n_bins = e.n_bins;
                for (int b = 0; b < e.n_bins; b++) {
                    c->radial[b] = e.radial_data[b];
                    c->radial[(size_t)(i + 1) * e.n_bins + b] += e.radial_recon[b] / o->seeds;
                }
                printf("%s seed %d: nelbo %.2f  psnr %.2f dB  ssim %.4f  hf ratio %.3f (samples "
                       "%.3f)\n",
                       c->cfg[i].name, k, e.nelbo, e.psnr, e.ssim, e.hf_ratio_recon,
                       e.hf_ratio_samples);
                eval_result_free(&e);
                if (k == 1)
                    rc = model_figures(c, &m, recon_rows, i + 1);
            }
            train_state_free(&s);
            model_free(&m);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

/* Writes a built text to path atomically, unless building it failed (reported). */
static int write_text(const char *path, const StrBuf *text)
{
    return text->failed ? -1 : write_file_atomic(path, strbuf_text(text));
}

/* metrics.csv: one row per run with every number. */
static int write_metrics(const Comparison *c)
{
    const CompareOptions *o = c->o;
    StrBuf csv = STRBUF_INIT("metrics.csv");
    strbuf_printf(&csv, "model,seed,steps");
    for (int j = 0; j < N_METRICS; j++)
        strbuf_printf(&csv, ",%s", metric_names[j]);
    strbuf_printf(&csv, "\n");
    for (int i = 0; i < o->n_models; i++)
        for (int k = 0; k < o->seeds; k++) {
            const RunResult *r = &c->runs[i * o->seeds + k];
            strbuf_printf(&csv, "%s,%d,%ld", c->cfg[i].name, k + 1, r->steps);
            for (int j = 0; j < N_METRICS; j++)
                strbuf_printf(&csv, ",%.6g", r->metric[j]);
            strbuf_printf(&csv, "\n");
        }
    char path[4200];
    int rc = path_join(path, sizeof path, o->out_dir, "metrics.csv") == 0 ? write_text(path, &csv)
                                                                          : -1;
    strbuf_free(&csv);
    return rc;
}

/* Runs gnuplot on OUT_DIR/NAME.gp (the script, kept) to draw OUT_DIR/NAME.png. */
static int draw_with_gnuplot(const char *out_dir, const char *name, const StrBuf *script)
{
    char gp_name[128], png_name[128], gp[4200], png[4200];
    snprintf(gp_name, sizeof gp_name, "%s.gp", name);
    snprintf(png_name, sizeof png_name, "%s.png", name);
    if (script->failed || path_join(gp, sizeof gp, out_dir, gp_name) != 0 ||
        path_join(png, sizeof png, out_dir, png_name) != 0)
        return -1;
    return plot_with_gnuplot(gp, strbuf_text(script), png);
}

/* spectra.csv and spectra.png: log power against frequency, the data's and
 * each model's reconstructions (mean over seeds). */
static int draw_spectra(const Comparison *c)
{
    const CompareOptions *o = c->o;
    int n = o->n_models, nb = c->n_bins;
    StrBuf csv = STRBUF_INIT("spectra.csv");
    strbuf_printf(&csv, "frequency,data");
    for (int i = 0; i < n; i++)
        strbuf_printf(&csv, ",%s", c->cfg[i].name);
    strbuf_printf(&csv, "\n");
    for (int b = 0; b < nb; b++) {
        strbuf_printf(&csv, "%.6g", spectrum_bin_centre(b, nb));
        for (int i = 0; i <= n; i++)
            strbuf_printf(&csv, ",%.6g", c->radial[(size_t)i * nb + b]);
        strbuf_printf(&csv, "\n");
    }
    char path[4200];
    int rc = path_join(path, sizeof path, o->out_dir, "spectra.csv") == 0 ? write_text(path, &csv)
                                                                          : -1;
    strbuf_free(&csv);
    if (rc != 0)
        return -1;
    StrBuf script = STRBUF_INIT("spectra.gp");
    strbuf_printf(&script,
                  "# Radially averaged power spectra of the data and of each model's\n"
                  "# reconstructions (mean over seeds); data in spectra.csv.\n"
                  "set terminal pngcairo size 800,560\nset output out\n"
                  "set datafile separator ','\nset logscale y\nset key top right\n"
                  "set xlabel 'frequency (cycles per pixel; Nyquist = 0.5)'\n"
                  "set ylabel 'mean power'\n"
                  "set arrow from 0.25, graph 0 to 0.25, graph 1 nohead dt 2\n"
                  "# the DC bin (each image's mean removed, so ~0) is skipped: every ::1\n"
                  "plot for [i=2:%d] '%s/spectra.csv' using 1:i every ::1 with linespoints "
                  "title columnheader(i)\n",
                  n + 2, o->out_dir);
    rc = draw_with_gnuplot(o->out_dir, "spectra", &script);
    strbuf_free(&script);
    return rc;
}

/* curves.dat and curves.png: loss against step, the first seed of each model. */
static int draw_curves(const Comparison *c)
{
    const CompareOptions *o = c->o;
    int n = o->n_models;
    /* curves.dat: one block per model, separated by two blank lines (gnuplot's index). */
    char path[4200];
    if (path_join(path, sizeof path, o->out_dir, "curves.dat") != 0)
        return -1;
    OutputFile out;
    FILE *f = output_open(&out, path);
    if (!f)
        return -1;
    for (int i = 0; i < n; i++) {
        char dir[4096], ckpt[4200];
        Model m;
        TrainState s;
        if (run_dir(dir, sizeof dir, o, c->cfg[i].name, 1) != 0 ||
            path_join(ckpt, sizeof ckpt, dir, "checkpoint.h5") != 0 ||
            checkpoint_load(ckpt, &m, &s) != 0) {
            output_discard(&out, f);
            return -1;
        }
        fprintf(f, "# %s seed 1: step loss (negative ELBO per image, nats)\n", c->cfg[i].name);
        for (long r = 0; r < s.n_log; r++)
            fprintf(f, "%ld %.6g\n", s.log[r].step, s.log[r].loss);
        fprintf(f, "\n\n");
        train_state_free(&s);
        model_free(&m);
    }
    if (output_close(&out, f) != 0)
        return -1;
    StrBuf script = STRBUF_INIT("curves.gp");
    strbuf_printf(&script,
                  "# Training curves (first seed of each model); data in curves.dat.\n"
                  "set terminal pngcairo size 800,560\nset output out\n"
                  "set xlabel 'step'\nset ylabel 'loss (negative ELBO, nats per image)'\n"
                  "set key top right\nplot ");
    for (int i = 0; i < n; i++)
        strbuf_printf(&script, "%s'%s/curves.dat' index %d using 1:2 with lines title '%s'",
                      i ? ", " : "", o->out_dir, i, c->cfg[i].name);
    strbuf_printf(&script, "\n");
    int rc = draw_with_gnuplot(o->out_dir, "curves", &script);
    strbuf_free(&script);
    return rc;
}

/* The table's header and the number of decimals of each column. */
static const char *const metric_headers[N_METRICS] = {
    "neg. ELBO (nats)", "PSNR (dB)", "SSIM", "HF ratio (recon)", "HF ratio (samples)",
    "train time (s)", "images/s"};

static int metric_digits(int metric)
{
    return metric == METRIC_SSIM || metric == METRIC_HF_RECON || metric == METRIC_HF_SAMPLES ? 3
                                                                                             : 1;
}

/* report.md: what was compared, the verdict, the table, how to read it, the figures. */
static void report_text(StrBuf *md, const Comparison *c, const ModelSummary *sum,
                        const char *verdict)
{
    const CompareOptions *o = c->o;
    int n = o->n_models;
    strbuf_printf(md, "# ffvae compare: %s\n\n", o->out_dir);
    strbuf_printf(md,
                  "Dataset `%s` (%s, %d train / %d test images of %dx%dx%d); budget %s %g per "
                  "run; %d seed%s; evaluated on %d test images.\n\n",
                  c->ds.name, o->data_path, c->ds.train.n, c->ds.test.n, c->ds.train.h,
                  c->ds.train.w, c->ds.train.c, o->steps ? "steps" : "epochs",
                  o->steps ? (double)o->steps : o->epochs, o->seeds, o->seeds > 1 ? "s" : "",
                  o->eval_images > 0 && o->eval_images < c->ds.test.n ? o->eval_images
                                                                      : c->ds.test.n);
    strbuf_printf(md, "## Verdict\n\n%s\n\n", verdict);
    strbuf_printf(md, "## Results (mean ± sd over seeds; best in each column in bold)\n\n");
    strbuf_printf(md, "| model |");
    for (int j = 0; j < N_METRICS; j++)
        strbuf_printf(md, " %s |", metric_headers[j]);
    strbuf_printf(md, "\n|---|");
    for (int j = 0; j < N_METRICS; j++)
        strbuf_printf(md, "---:|");
    strbuf_printf(md, "\n");
    for (int i = 0; i < n; i++) {
        strbuf_printf(md, "| %s |", sum[i].name);
        for (int j = 0; j < N_METRICS; j++) {
            const char *b = best_in_column(sum, n, j) == i ? "**" : "";
            int digits = metric_digits(j);
            strbuf_printf(md, " %s%.*f ± %.*f%s |", b, digits, sum[i].stat[j].mean, digits,
                          sum[i].stat[j].sd, b);
        }
        strbuf_printf(md, "\n");
    }
    strbuf_printf(md,
                  "\nHow to read it: lower negative ELBO is a better model of the data; higher "
                  "PSNR and SSIM are reconstructions closer to the originals; the HF ratio is "
                  "the power above half the Nyquist frequency in the model's images divided by "
                  "the same in the data's, so 1.0 is as sharp as the data and lower is blurrier "
                  "(best = closest to 1). Every run's numbers are in [metrics.csv](metrics.csv)."
                  "\n\n");
    strbuf_printf(md, "## Figures\n\n");
    strbuf_printf(md,
                  "- [Reconstructions](recon.png): the first %d test images, then one row per "
                  "model (%s; first seed).\n",
                  FIG_IMAGES, "in the table's order");
    for (int i = 0; i < n; i++)
        strbuf_printf(md,
                      "- %s: [samples](samples-%s.png), [interpolation](interp-%s.png) between "
                      "test images 0 and 1\n",
                      sum[i].name, sum[i].name, sum[i].name);
    strbuf_printf(md, "- [Power spectra](spectra.png) of the data and the reconstructions "
                      "([data](spectra.csv), [script](spectra.gp)); the dashed line is half "
                      "Nyquist.\n");
    strbuf_printf(md, "- [Training curves](curves.png) ([data](curves.dat), [script](curves.gp))."
                      "\n");
}

static int write_report(const Comparison *c, const ModelSummary *sum)
{
    const CompareOptions *o = c->o;
    int clear;
    char verdict[1024];
    compare_verdict(verdict, sizeof verdict, sum, o->n_models, &clear);
    StrBuf md = STRBUF_INIT("report.md");
    report_text(&md, c, sum, verdict);
    char path[4200];
    int rc = path_join(path, sizeof path, o->out_dir, "report.md") == 0 ? write_text(path, &md)
                                                                        : -1;
    strbuf_free(&md);
    if (rc == 0)
        printf("\nreport: %s\n\n%s\n", path, verdict);
    return rc;
}

int compare_run(const CompareOptions *o)
{
    Comparison c;
    memset(&c, 0, sizeof c);
    c.o = o;
    if (dataset_load(&c.ds, o->data_path) != 0)
        return -1;
    int n = o->n_models, rc = -1;
    c.cfg = checked_calloc((size_t)n, sizeof *c.cfg, "model definitions");
    c.runs = checked_calloc((size_t)n * o->seeds, sizeof *c.runs, "run results");
    ModelSummary *sum = checked_calloc((size_t)n, sizeof *sum, "summaries");
    float *recon_rows = NULL;
    if (!c.cfg || !c.runs || !sum || check_models(&c) != 0 || claim_output(&c) != 0)
        goto out;
    int nb = spectrum_bins(c.ds.test.h, c.ds.test.w); /* what evaluate() reports */
    c.radial = checked_calloc((size_t)(n + 1) * nb, sizeof(double), "spectra");
    size_t img = (size_t)c.ds.test.h * c.ds.test.w * c.ds.test.c;
    recon_rows = checked_calloc((size_t)(n + 1) * FIG_IMAGES, img * sizeof(float), "recon figure");
    if (!c.radial || !recon_rows || c.ds.test.n < 1) {
        if (c.ds.test.n < 1)
            ffvae_error("%s: the test split is empty", o->data_path);
        goto out;
    }
    int total = n * o->seeds, index = 0;
    for (int i = 0; i < n; i++)
        for (int k = 1; k <= o->seeds; k++) {
            char dir[4096];
            if (run_dir(dir, sizeof dir, o, c.cfg[i].name, k) != 0 || make_dirs(dir) != 0)
                goto out;
            int trained = train_one(&c, i, k, dir, ++index, total);
            if (trained == TRAIN_INTERRUPTED)
                rc = TRAIN_INTERRUPTED; /* train_run said how to continue */
            if (trained != 0)
                goto out;
        }
    if (evaluate_runs(&c, recon_rows) != 0)
        goto out;
    int shown = c.ds.test.n < FIG_IMAGES ? c.ds.test.n : FIG_IMAGES;
    for (size_t k = 0; k < (size_t)shown * img; k++)
        recon_rows[k] = c.ds.test.images[k] / 255.0f;
    char path[4200];
    path_join(path, sizeof path, o->out_dir, "recon.png");
    if (image_grid_write_png(path, recon_rows, (n + 1) * FIG_IMAGES, c.ds.test.h, c.ds.test.w,
                             c.ds.test.c, FIG_IMAGES, 2) != 0)
        goto out;
    for (int i = 0; i < n; i++) {
        snprintf(sum[i].name, sizeof sum[i].name, "%s", c.cfg[i].name);
        sum[i].seeds = o->seeds;
        for (int j = 0; j < N_METRICS; j++) {
            double x[256];
            int ns = o->seeds < 256 ? o->seeds : 256;
            for (int k = 0; k < ns; k++)
                x[k] = c.runs[i * o->seeds + k].metric[j];
            sum[i].stat[j] = stat_of(x, ns);
        }
    }
    if (write_metrics(&c) == 0 && draw_spectra(&c) == 0 && draw_curves(&c) == 0 &&
        write_report(&c, sum) == 0)
        rc = 0;
out:
    free(recon_rows);
    free(c.radial);
    free(sum);
    free(c.runs);
    free(c.cfg);
    dataset_free(&c.ds);
    return rc;
}
