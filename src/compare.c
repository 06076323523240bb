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
#include "train.h"
#include "sweep.h"
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

int compare_verdict(char *buf, size_t size, const ModelSummary *s, int n, int *clear)
{
    int top = best_in_column(s, n, METRIC_HF_RECON);
    *clear = 0;
    const Stat *t = &s[top].stat[METRIC_HF_RECON];
    if (n < 2) {
        snprintf(buf, size, "Only one model (%s, HF ratio %.3f): nothing to compare.", s[top].name,
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
    int len = snprintf(buf, size,
                       "Sharpest decoder: **%s**, whose reconstructions keep %.0f%% of the data's "
                       "high-frequency energy (HF ratio %.3f ± %.3f), against %.0f%% for the "
                       "next sharpest, %s (%.3f ± %.3f). ",
                       s[top].name, 100 * t->mean, t->mean, t->sd, 100 * u->mean, s[second].name,
                       u->mean, u->sd);
    if (len < 0 || (size_t)len >= size)
        return top;
    if (s[top].seeds < 2 || s[second].seeds < 2)
        snprintf(buf + len, size - len,
                 "With one seed there is no spread to compare the difference against: run "
                 "with --seeds 3 before drawing a conclusion.");
    else if (diff > spread) {
        *clear = 1;
        snprintf(buf + len, size - len,
                 "The difference (%.3f in |ln HF ratio|) is larger than the spread over %d seeds "
                 "(%.3f): a clear result.",
                 diff, s[top].seeds, spread);
    } else
        snprintf(buf + len, size - len,
                 "The difference (%.3f in |ln HF ratio|) is within the spread over %d seeds "
                 "(%.3f): no clear winner.",
                 diff, s[top].seeds, spread);
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
        if (config_load(m, o->models[i]) != 0 || config_apply_sets(m, o->sets, o->n_sets) != 0)
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
    size_t cap = 4096;
    char *text = checked_malloc(cap, 1, "manifest");
    if (!text)
        return NULL;
    size_t len = (size_t)snprintf(text, cap,
                                  "ffvae compare manifest 1\ndataset %s (%d train images)\n"
                                  "budget %s %g\nseeds %d\n",
                                  c->ds.name, c->ds.train.n, o->steps ? "steps" : "epochs",
                                  o->steps ? (double)o->steps : o->epochs, o->seeds);
    for (int i = 0; i < o->n_models; i++) {
        char *cfg = config_to_string(&c->cfg[i]);
        if (!cfg) {
            free(text);
            return NULL;
        }
        size_t need = len + strlen(cfg) + 128;
        if (need > cap) {
            char *grown = realloc(text, need * 2);
            if (!grown) {
                free(cfg);
                free(text);
                ffvae_error("manifest: out of memory");
                return NULL;
            }
            text = grown;
            cap = need * 2;
        }
        len += (size_t)snprintf(text + len, cap - len, "--- model %s\n%s", c->cfg[i].name, cfg);
        free(cfg);
    }
    return text;
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
                      .resume_hint = "run the same command again to resume",
                      .sets = o->sets,
                      .n_sets = o->n_sets};
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

static int write_metrics(const Comparison *c)
{
    const CompareOptions *o = c->o;
    char path[4200];
    path_join(path, sizeof path, o->out_dir, "metrics.csv");
    size_t cap = 256 + (size_t)o->n_models * o->seeds * 400;
    char *text = checked_malloc(cap, 1, "metrics.csv");
    if (!text)
        return -1;
    size_t len = (size_t)snprintf(text, cap, "model,seed,steps");
    for (int j = 0; j < N_METRICS; j++)
        len += (size_t)snprintf(text + len, cap - len, ",%s", metric_names[j]);
    len += (size_t)snprintf(text + len, cap - len, "\n");
    for (int i = 0; i < o->n_models; i++)
        for (int k = 0; k < o->seeds; k++) {
            const RunResult *r = &c->runs[i * o->seeds + k];
            len += (size_t)snprintf(text + len, cap - len, "%s,%d,%ld", c->cfg[i].name, k + 1,
                                    r->steps);
            for (int j = 0; j < N_METRICS; j++)
                len += (size_t)snprintf(text + len, cap - len, ",%.6g", r->metric[j]);
            len += (size_t)snprintf(text + len, cap - len, "\n");
        }
    int rc = write_file_atomic(path, text);
    free(text);
    return rc;
}

/* spectra.png (log power against frequency) and curves.png (loss against step). */
static int draw_plots(const Comparison *c)
{
    const CompareOptions *o = c->o;
    int n = o->n_models, nb = c->n_bins;
    char path[4200], gp[4200], png[4200];
    size_t cap = 4096 + (size_t)(n + 2) * nb * 24;
    char *text = checked_malloc(cap, 1, "spectra.csv");
    if (!text)
        return -1;
    size_t len = (size_t)snprintf(text, cap, "frequency,data");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, ",%s", c->cfg[i].name);
    len += (size_t)snprintf(text + len, cap - len, "\n");
    for (int b = 0; b < nb; b++) {
        len += (size_t)snprintf(text + len, cap - len, "%.6g", spectrum_bin_centre(b, nb));
        for (int i = 0; i <= n; i++)
            len += (size_t)snprintf(text + len, cap - len, ",%.6g", c->radial[(size_t)i * nb + b]);
        len += (size_t)snprintf(text + len, cap - len, "\n");
    }
    path_join(path, sizeof path, o->out_dir, "spectra.csv");
    int rc = write_file_atomic(path, text);
    free(text);
    if (rc != 0)
        return -1;
    path_join(gp, sizeof gp, o->out_dir, "spectra.gp");
    path_join(png, sizeof png, o->out_dir, "spectra.png");
    char script[2048];
    snprintf(script, sizeof script,
             "# Radially averaged power spectra of the data and of each model's\n"
             "# reconstructions (mean over seeds); data in spectra.csv.\n"
             "set terminal pngcairo size 800,560\nset output out\n"
             "set datafile separator ','\nset logscale y\nset key top right\n"
             "set xlabel 'frequency (cycles per pixel; Nyquist = 0.5)'\n"
             "set ylabel 'mean power'\nset arrow from 0.25, graph 0 to 0.25, graph 1 nohead dt 2\n"
             "# the DC bin (each image's mean removed, so ~0) is skipped: every ::1\n"
             "plot for [i=2:%d] '%s/spectra.csv' using 1:i every ::1 with linespoints title columnheader(i)\n",
             n + 2, o->out_dir);
    if (plot_with_gnuplot(gp, script, png) != 0)
        return -1;

    /* curves.dat: one block per model (its first seed), separated by two blank lines. */
    path_join(path, sizeof path, o->out_dir, "curves.dat");
    FILE *f = NULL;
    OutputFile out;
    if (output_begin(&out, path, 1) != 0 || !(f = fopen(out.tmp_path, "w")))
        return -1;
    for (int i = 0; i < n; i++) {
        char dir[4096], ckpt[4200];
        Model m;
        TrainState s;
        run_dir(dir, sizeof dir, o, c->cfg[i].name, 1);
        path_join(ckpt, sizeof ckpt, dir, "checkpoint.h5");
        if (checkpoint_load(ckpt, &m, &s) != 0) {
            fclose(f);
            output_abort(&out);
            return -1;
        }
        fprintf(f, "# %s seed 1: step loss (negative ELBO per image, nats)\n", c->cfg[i].name);
        for (long r = 0; r < s.n_log; r++)
            fprintf(f, "%ld %.6g\n", s.log[r].step, s.log[r].loss);
        fprintf(f, "\n\n");
        train_state_free(&s);
        model_free(&m);
    }
    if (fclose(f) != 0 || output_commit(&out) != 0)
        return -1;
    size_t slen = (size_t)snprintf(script, sizeof script,
                                   "# Training curves (first seed of each model); data in curves.dat.\n"
                                   "set terminal pngcairo size 800,560\nset output out\n"
                                   "set xlabel 'step'\nset ylabel 'loss (negative ELBO, nats per image)'\n"
                                   "set key top right\nplot ");
    for (int i = 0; i < n && slen < sizeof script; i++)
        slen += (size_t)snprintf(script + slen, sizeof script - slen,
                                 "%s'%s/curves.dat' index %d using 1:2 with lines title '%s'",
                                 i ? ", " : "", o->out_dir, i, c->cfg[i].name);
    if (slen < sizeof script)
        snprintf(script + slen, sizeof script - slen, "\n");
    path_join(gp, sizeof gp, o->out_dir, "curves.gp");
    path_join(png, sizeof png, o->out_dir, "curves.png");
    return plot_with_gnuplot(gp, script, png);
}

static int write_report(const Comparison *c, const ModelSummary *sum)
{
    const CompareOptions *o = c->o;
    int n = o->n_models;
    static const char *const headers[N_METRICS] = {
        "neg. ELBO (nats)", "PSNR (dB)", "SSIM", "HF ratio (recon)", "HF ratio (samples)",
        "train time (s)", "images/s"};
    size_t cap = 16384 + (size_t)n * 1024;
    char *text = checked_malloc(cap, 1, "report.md");
    if (!text)
        return -1;
    size_t len = 0;
#define OUT(...) (len += (size_t)snprintf(text + len, len < cap ? cap - len : 0, __VA_ARGS__))
    OUT("# ffvae compare: %s\n\n", o->out_dir);
    OUT("Dataset `%s` (%s, %d train / %d test images of %dx%dx%d); budget %s %g per run; "
        "%d seed%s; evaluated on %d test images.\n\n",
        c->ds.name, o->data_path, c->ds.train.n, c->ds.test.n, c->ds.train.h, c->ds.train.w,
        c->ds.train.c, o->steps ? "steps" : "epochs",
        o->steps ? (double)o->steps : o->epochs, o->seeds, o->seeds > 1 ? "s" : "",
        o->eval_images > 0 && o->eval_images < c->ds.test.n ? o->eval_images : c->ds.test.n);
    int clear;
    char verdict[1024];
    compare_verdict(verdict, sizeof verdict, sum, n, &clear);
    OUT("## Verdict\n\n%s\n\n", verdict);
    OUT("## Results (mean ± sd over seeds; best in each column in bold)\n\n| model |");
    for (int j = 0; j < N_METRICS; j++)
        OUT(" %s |", headers[j]);
    OUT("\n|---|");
    for (int j = 0; j < N_METRICS; j++)
        OUT("---:|");
    OUT("\n");
    for (int i = 0; i < n; i++) {
        OUT("| %s |", sum[i].name);
        for (int j = 0; j < N_METRICS; j++) {
            const char *b = best_in_column(sum, n, j) == i ? "**" : "";
            int digits = (j == METRIC_SSIM || j == METRIC_HF_RECON || j == METRIC_HF_SAMPLES) ? 3 : 1;
            OUT(" %s%.*f ± %.*f%s |", b, digits, sum[i].stat[j].mean, digits, sum[i].stat[j].sd, b);
        }
        OUT("\n");
    }
    OUT("\nHow to read it: lower negative ELBO is a better model of the data; higher PSNR and "
        "SSIM are reconstructions closer to the originals; the HF ratio is the power above half "
        "the Nyquist frequency in the model's images divided by the same in the data's, so 1.0 "
        "is as sharp as the data and lower is blurrier (best = closest to 1). Every run's "
        "numbers are in [metrics.csv](metrics.csv).\n\n");
    OUT("## Figures\n\n");
    OUT("- [Reconstructions](recon.png): the first %d test images, then one row per model "
        "(%s; first seed).\n", FIG_IMAGES, "in the table's order");
    for (int i = 0; i < n; i++)
        OUT("- %s: [samples](samples-%s.png), [interpolation](interp-%s.png) between test "
            "images 0 and 1\n", sum[i].name, sum[i].name, sum[i].name);
    OUT("- [Power spectra](spectra.png) of the data and the reconstructions "
        "([data](spectra.csv), [script](spectra.gp)); the dashed line is half Nyquist.\n");
    OUT("- [Training curves](curves.png) ([data](curves.dat), [script](curves.gp)).\n");
#undef OUT
    char path[4200];
    path_join(path, sizeof path, o->out_dir, "report.md");
    int rc = len < cap ? write_file_atomic(path, text) : -1;
    free(text);
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
    if (write_metrics(&c) == 0 && draw_plots(&c) == 0 && write_report(&c, sum) == 0)
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
