/* compare_report.c - the files of a compare report, from the numbers the
 * runs measured (compare_report.h): metrics.csv, the spectra and curves
 * figures (data, gnuplot script, PNG), with a sweep the rate figure, and
 * report.md with the verdict. */
#include "compare_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "spectrum.h"
#include "strbuf.h"
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

ModelSummary summarise_runs(const char *name, const RunResult *runs, int seeds)
{
    ModelSummary s;
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "%s", name);
    s.seeds = seeds;
    for (int j = 0; j < N_METRICS; j++) {
        double x[256]; /* compare allows at most 100 seeds */
        int ns = seeds < 256 ? seeds : 256;
        for (int k = 0; k < ns; k++)
            x[k] = runs[k].metric[j];
        s.stat[j] = stat_of(x, ns);
    }
    return s;
}

double sharpness_gap(double hf_ratio)
{
    return hf_ratio > 0 ? fabs(log(hf_ratio)) : INFINITY; /* NaN too: never the best */
}

/* A score where larger is better, for each column. */
static double column_score(const ModelSummary *s, int metric)
{
    double v = s->stat[metric].mean;
    switch (metric) {
    case METRIC_NELBO:
    case METRIC_SECONDS:
    case METRIC_HF_ERROR:
    case METRIC_FID:
    case METRIC_KID: return isnan(v) ? -INFINITY : -v;
    case METRIC_HF_RECON:
    case METRIC_HF_SAMPLES:
    case METRIC_HF_RECON_SAMPLED:
    case METRIC_LAPLACIAN: return -sharpness_gap(v);
    default: return isnan(v) ? -INFINITY : v;
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

/* The runner-up to top in a column (the best of the others). */
static int runner_up(const ModelSummary *s, int n, int top, int metric)
{
    int second = -1;
    for (int i = 0; i < n; i++)
        if (i != top && (second < 0 || column_score(&s[i], metric) >
                                           column_score(&s[second], metric)))
            second = i;
    return second;
}

/* Sample quality: lowest FID of prior samples, with KID as a check. */
static void sample_quality_text(StrBuf *b, const ModelSummary *s, int n)
{
    int top = best_in_column(s, n, METRIC_FID);
    const Stat *f = &s[top].stat[METRIC_FID];
    if (!isfinite(f->mean)) {
        strbuf_printf(b, " Sample quality was not measured (no FID: see the note in the "
                         "run's output; it needs a classifier and more test images than "
                         "its features).");
        return;
    }
    int second = runner_up(s, n, top, METRIC_FID);
    const Stat *g = &s[second].stat[METRIC_FID];
    const Stat *kt = &s[top].stat[METRIC_KID], *ks = &s[second].stat[METRIC_KID];
    strbuf_printf(b, " Best samples by FID: **%s** (FID %.2f ± %.2f, KID %.4f ± %.4f) against %s "
                     "(FID %.2f ± %.2f, KID %.4f ± %.4f); ",
                  s[top].name, f->mean, f->sd, kt->mean, kt->sd, s[second].name, g->mean, g->sd,
                  ks->mean, ks->sd);
    double diff = g->mean - f->mean, spread = f->sd + g->sd;
    if (s[top].seeds < 2 || s[second].seeds < 2)
        strbuf_printf(b, "one seed, so no spread to judge the difference by");
    else if (diff > spread)
        strbuf_printf(b, "the FID difference (%.2f) is larger than the spread (%.2f)", diff,
                      spread);
    else
        strbuf_printf(b, "the FID difference (%.2f) is within the spread (%.2f)", diff, spread);
    strbuf_printf(b, kt->mean <= ks->mean ? ", and KID agrees." :
                                             ", but KID ranks them the other way: treat the FID "
                                             "order as unsettled.");
}

/* Appends the verdict (see compare_verdict) to b; returns the sharpest candidate. */
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
    int second = runner_up(s, n, top, METRIC_HF_RECON);
    const Stat *u = &s[second].stat[METRIC_HF_RECON];
    const Stat *et = &s[top].stat[METRIC_HF_ERROR], *eu = &s[second].stat[METRIC_HF_ERROR];
    double diff = sharpness_gap(u->mean) - sharpness_gap(t->mean);
    /* The spread of |ln r| over seeds is about sd/r for each model. */
    double spread = t->sd / fmax(t->mean, 1e-12) + u->sd / fmax(u->mean, 1e-12);
    double err_diff = et->mean - eu->mean, err_spread = et->sd + eu->sd;
    int err_worse = err_diff > err_spread; /* more error above half Nyquist, beyond the spread */
    strbuf_printf(b,
                  "Sharpest decoder: **%s**, whose reconstructions keep %.0f%% of the data's "
                  "high-frequency energy (HF ratio %.3f ± %.3f, HF error ratio %.3f ± %.3f), "
                  "against %.0f%% for the next, %s (%.3f ± %.3f, HF error ratio %.3f ± %.3f). ",
                  s[top].name, 100 * t->mean, t->mean, t->sd, et->mean, et->sd, 100 * u->mean,
                  s[second].name, u->mean, u->sd, eu->mean, eu->sd);
    if (s[top].seeds < 2 || s[second].seeds < 2)
        strbuf_printf(b, "With one seed there is no spread to compare the differences against: "
                         "run with --seeds 3 before drawing a conclusion.");
    else if (diff > spread && !err_worse) {
        *clear = 1;
        strbuf_printf(b,
                      "Clearly sharper: the difference in |ln HF ratio| (%.3f) is larger than "
                      "the spread over %d seeds (%.3f), and its HF error ratio is no worse "
                      "(%+.3f, spread %.3f).",
                      diff, s[top].seeds, spread, err_diff, err_spread);
    } else if (diff > spread)
        strbuf_printf(b,
                      "Not sharper: it has more high-frequency power (|ln HF ratio| %.3f closer "
                      "to the data's, spread %.3f), but also more error there (HF error ratio "
                      "%+.3f, beyond the spread %.3f): the extra power is at least partly wrong "
                      "detail (noise or ringing), not lost detail recovered.",
                      diff, spread, err_diff, err_spread);
    else
        strbuf_printf(b,
                      "The difference in |ln HF ratio| (%.3f) is within the spread over %d "
                      "seeds (%.3f): no clear winner.",
                      diff, s[top].seeds, spread);
    sample_quality_text(b, s, n);
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

/* ---- the files ----------------------------------------------------------- */

static const char *const metric_names[N_METRICS] = {
    "nelbo",         "psnr",          "ssim",           "hf_ratio_recon",
    "hf_ratio_samples", "train_seconds", "images_per_s", "hf_error_ratio",
    "laplacian_ratio", "fid",          "kid",            "precision",
    "recall",        "hf_ratio_recon_sampled", "psnr_sampled"};

/* Writes a built text to OUT_DIR/name atomically, unless building it failed
 * (reported). */
static int write_text(const char *out_dir, const char *name, const StrBuf *text)
{
    char path[4200];
    if (text->failed || path_join(path, sizeof path, out_dir, name) != 0)
        return -1;
    return write_file_atomic(path, strbuf_text(text));
}

/* Variants: the models, or with a sweep every (value, model) (compare_report.h). */
static int n_variants(const CompareReport *r)
{
    return r->n_models * (r->sweep ? r->sweep->n : 1);
}

/* The sweep value of variant q ("" without a sweep). */
static const char *variant_value(const CompareReport *r, int q)
{
    return r->sweep ? r->sweep->values[q / r->n_models] : "";
}

/* A variant's name in the figures: the model's, then " KEY=V" with a sweep. */
static void variant_name(char *buf, size_t size, const CompareReport *r, int q)
{
    if (r->sweep)
        snprintf(buf, size, "%s %s=%s", r->sum[q].name, r->sweep->key, variant_value(r, q));
    else
        snprintf(buf, size, "%s", r->sum[q].name);
}

/* metrics.csv: one row per run with every number; with a sweep, the key
 * (section.key) and the value after the model, and the KL (the rate) last. */
static int write_metrics(const CompareReport *r)
{
    StrBuf csv = STRBUF_INIT("metrics.csv");
    strbuf_printf(&csv, r->sweep ? "model,sweep,value,seed,steps" : "model,seed,steps");
    for (int j = 0; j < N_METRICS; j++)
        strbuf_printf(&csv, ",%s", metric_names[j]);
    strbuf_printf(&csv, r->sweep ? ",kl\n" : "\n");
    for (int q = 0; q < n_variants(r); q++)
        for (int k = 0; k < r->seeds; k++) {
            const RunResult *run = &r->runs[q * r->seeds + k];
            strbuf_printf(&csv, "%s", r->sum[q].name);
            if (r->sweep)
                strbuf_printf(&csv, ",%s.%s,%s", r->sweep->section, r->sweep->key,
                              variant_value(r, q));
            strbuf_printf(&csv, ",%d,%ld", k + 1, run->steps);
            for (int j = 0; j < N_METRICS; j++)
                strbuf_printf(&csv, ",%.6g", run->metric[j]);
            if (r->sweep)
                strbuf_printf(&csv, ",%.6g", run->kl);
            strbuf_printf(&csv, "\n");
        }
    int rc = write_text(r->out_dir, "metrics.csv", &csv);
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
static int draw_spectra(const CompareReport *r)
{
    int n = n_variants(r), nb = r->n_bins;
    char name[200];
    StrBuf csv = STRBUF_INIT("spectra.csv");
    strbuf_printf(&csv, "frequency,data");
    for (int i = 0; i < n; i++) {
        variant_name(name, sizeof name, r, i);
        strbuf_printf(&csv, ",%s", name);
    }
    for (int i = 0; r->radial_error && i < n; i++) {
        variant_name(name, sizeof name, r, i);
        strbuf_printf(&csv, ",%s error", name);
    }
    strbuf_printf(&csv, "\n");
    for (int b = 0; b < nb; b++) {
        strbuf_printf(&csv, "%.6g", spectrum_bin_centre(b, nb));
        for (int i = 0; i <= n; i++)
            strbuf_printf(&csv, ",%.6g", r->radial[(size_t)i * nb + b]);
        for (int i = 0; r->radial_error && i < n; i++)
            strbuf_printf(&csv, ",%.6g", r->radial_error[(size_t)i * nb + b]);
        strbuf_printf(&csv, "\n");
    }
    int rc = write_text(r->out_dir, "spectra.csv", &csv);
    strbuf_free(&csv);
    if (rc != 0)
        return -1;
    StrBuf script = STRBUF_INIT("spectra.gp");
    strbuf_printf(&script,
                  "# Left: radially averaged power spectra of the data and of each model's\n"
                  "# reconstructions (mean over seeds). Right: each model's relative error\n"
                  "# power per band, <|X^ - X|^2> / <|X|^2>. Data in spectra.csv.\n"
                  "set terminal pngcairo size %d,560\nset output out\n"
                  "set datafile separator ','\nset logscale y\nset key top right\n"
                  "set xlabel 'frequency (cycles per pixel; Nyquist = 0.5)'\n"
                  "set arrow from 0.25, graph 0 to 0.25, graph 1 nohead dt 2\n",
                  r->radial_error ? 1400 : 800);
    if (r->radial_error)
        strbuf_printf(&script, "set multiplot layout 1,2\n");
    strbuf_printf(&script,
                  "set ylabel 'mean power'\nset title 'power spectrum'\n"
                  "# the DC bin (each image's mean removed, so ~0) is skipped: every ::1\n"
                  "plot for [i=2:%d] '%s/spectra.csv' using 1:i every ::1 with linespoints "
                  "title columnheader(i)\n",
                  n + 2, r->out_dir);
    if (r->radial_error)
        strbuf_printf(&script,
                      "set ylabel 'error power / data power'\nset title 'relative error "
                      "power (reconstructions)'\n"
                      "plot for [i=%d:%d] '%s/spectra.csv' using 1:i every ::1 with linespoints "
                      "title columnheader(i)\nunset multiplot\n",
                      n + 3, 2 * n + 2, r->out_dir);
    rc = draw_with_gnuplot(r->out_dir, "spectra", &script);
    strbuf_free(&script);
    return rc;
}

/* curves.dat and curves.png: loss against step, the first seed of each model. */
static int draw_curves(const CompareReport *r)
{
    int n = n_variants(r);
    char name[200];
    /* curves.dat: one block per model, separated by two blank lines (gnuplot's index). */
    char path[4200];
    if (path_join(path, sizeof path, r->out_dir, "curves.dat") != 0)
        return -1;
    OutputFile out;
    FILE *f = output_open(&out, path);
    if (!f)
        return -1;
    for (int i = 0; i < n; i++) {
        const TrainState *s = &r->curves[i];
        variant_name(name, sizeof name, r, i);
        fprintf(f, "# %s seed 1: step loss (negative ELBO per image, nats)\n", name);
        for (long row = 0; row < s->n_log; row++)
            fprintf(f, "%ld %.6g\n", s->log[row].step, s->log[row].loss);
        fprintf(f, "\n\n");
    }
    if (output_close(&out, f) != 0)
        return -1;
    StrBuf script = STRBUF_INIT("curves.gp");
    strbuf_printf(&script,
                  "# Training curves (first seed of each model); data in curves.dat.\n"
                  "set terminal pngcairo size 800,560\nset output out\n"
                  "set xlabel 'step'\nset ylabel 'loss (negative ELBO, nats per image)'\n"
                  "set key top right\nplot ");
    for (int i = 0; i < n; i++) {
        variant_name(name, sizeof name, r, i);
        strbuf_printf(&script, "%s'%s/curves.dat' index %d using 1:2 with lines title '%s'",
                      i ? ", " : "", r->out_dir, i, name);
    }
    strbuf_printf(&script, "\n");
    int rc = draw_with_gnuplot(r->out_dir, "curves", &script);
    strbuf_free(&script);
    return rc;
}

/* The rate figure's panels: the column of rate.dat each plots on y, and its
 * title. FID (the last) only when every variant has one. */
static const struct {
    int metric, column;
    const char *title, *ylabel;
} rate_panels[] = {
    {METRIC_HF_RECON, 4, "HF ratio (reconstructions)", "HF ratio (1 = as sharp as the data)"},
    {METRIC_HF_ERROR, 6, "HF error ratio (reconstructions)", "HF error ratio (0 = exact)"},
    {METRIC_PSNR, 8, "PSNR (reconstructions)", "PSNR (dB)"},
    {METRIC_FID, 10, "FID (prior samples)", "FID (lower is better)"},
};

/* The rate figure has an FID panel when every variant has an FID. */
static int rate_has_fid(const CompareReport *r)
{
    for (int q = 0; q < n_variants(r); q++)
        if (!isfinite(r->sum[q].stat[METRIC_FID].mean))
            return 0;
    return 1;
}

/* rate.dat, rate.gp and rate.png (with a sweep): each model's distortion
 * against its rate, the KL in nats per test image, one point per sweep value
 * (mean over seeds, the sd over seeds as error bars in x and y), one curve
 * per model through its values in the sweep's order. */
static int draw_rate(const CompareReport *r)
{
    int n = r->n_models, nv = r->sweep->n, with_fid = rate_has_fid(r);
    char path[4200];
    if (path_join(path, sizeof path, r->out_dir, "rate.dat") != 0)
        return -1;
    OutputFile out;
    FILE *f = output_open(&out, path);
    if (!f)
        return -1;
    fprintf(f, "# rate against distortion, sweep of [%s] %s; one block per model (gnuplot's\n"
               "# index), one row per value; mean and sd over %d seed%s, on the test images\n"
               "# value kl kl_sd hf_ratio_recon sd hf_error_ratio sd psnr sd fid sd\n",
            r->sweep->section, r->sweep->key, r->seeds, r->seeds > 1 ? "s" : "");
    for (int i = 0; i < n; i++) {
        fprintf(f, "# %s\n", r->sum[i].name);
        for (int v = 0; v < nv; v++) {
            int q = v * n + i;
            double kl[256];
            int ns = r->seeds < 256 ? r->seeds : 256;
            for (int k = 0; k < ns; k++)
                kl[k] = r->runs[q * r->seeds + k].kl;
            Stat s = stat_of(kl, ns);
            /* the value as a label: one word, whatever it holds */
            char label[64];
            snprintf(label, sizeof label, "%s", r->sweep->values[v]);
            for (char *p = label; *p; p++)
                if (*p == ' ' || *p == '\t' || *p == '#' || *p == '"' || *p == '\'')
                    *p = '_';
            fprintf(f, "%s %.6g %.6g", label, s.mean, s.sd);
            for (size_t p = 0; p < sizeof rate_panels / sizeof *rate_panels; p++) {
                const Stat *m = &r->sum[q].stat[rate_panels[p].metric];
                fprintf(f, " %.6g %.6g", m->mean, m->sd);
            }
            fprintf(f, "\n");
        }
        fprintf(f, "\n\n");
    }
    if (output_close(&out, f) != 0)
        return -1;
    int panels = with_fid ? 4 : 3;
    StrBuf script = STRBUF_INIT("rate.gp");
    strbuf_printf(&script,
                  "# Rate against distortion: each model at each value of [%s] %s, the KL on x,\n"
                  "# a measure of the reconstructions (or samples) on y; points are means over\n"
                  "# seeds, bars the sd over seeds, labels the values. Data in rate.dat.\n"
                  "set terminal pngcairo size %d,%d\nset output out\n"
                  "set multiplot layout %d,%d\nset key below\n"
                  "set xlabel 'rate: KL(q(z|x) || p(z)), nats per test image'\n",
                  r->sweep->section, r->sweep->key, with_fid ? 1200 : 1500,
                  with_fid ? 960 : 480, with_fid ? 2 : 1, with_fid ? 2 : 3);
    for (int p = 0; p < panels; p++) {
        int col = rate_panels[p].column;
        strbuf_printf(&script, "set title '%s'\nset ylabel '%s'\nplot ", rate_panels[p].title,
                      rate_panels[p].ylabel);
        for (int i = 0; i < n; i++)
            strbuf_printf(&script,
                          "%s'%s/rate.dat' index %d using 2:%d:3:%d with xyerrorlines lc %d "
                          "title '%s', '' index %d using 2:%d:1 with labels offset char 1,char 0.7 "
                          "tc lt %d notitle",
                          i ? ", \\\n    " : "", r->out_dir, i, col, col + 1, i + 1,
                          r->sum[i].name, i, col, i + 1);
        strbuf_printf(&script, "\n");
    }
    strbuf_printf(&script, "unset multiplot\n");
    int rc = draw_with_gnuplot(r->out_dir, "rate", &script);
    strbuf_free(&script);
    return rc;
}

/* The table's header and the number of decimals of each column. */
static const char *const metric_headers[N_METRICS] = {
    "neg. ELBO (nats)", "PSNR (dB)",          "SSIM",           "HF ratio (recon)",
    "HF ratio (samples)", "train time (s)",   "images/s",       "HF error ratio",
    "Laplacian var. ratio", "FID (samples)", "KID (samples)", "precision",
    "recall", "HF ratio (recon, sampled z)", "PSNR, sampled z (dB)"};

/* The table's column order: quality first, the price last. */
static const int table_order[N_METRICS] = {
    METRIC_NELBO,      METRIC_PSNR,         METRIC_SSIM,    METRIC_HF_RECON,
    METRIC_HF_ERROR,   METRIC_LAPLACIAN,    METRIC_HF_RECON_SAMPLED, METRIC_PSNR_SAMPLED,
    METRIC_HF_SAMPLES, METRIC_FID,          METRIC_KID,     METRIC_PRECISION,
    METRIC_RECALL,     METRIC_SECONDS,      METRIC_IMAGES_S};

static int metric_digits(int metric)
{
    switch (metric) {
    case METRIC_SSIM:
    case METRIC_HF_RECON:
    case METRIC_HF_SAMPLES:
    case METRIC_HF_ERROR:
    case METRIC_LAPLACIAN:
    case METRIC_HF_RECON_SAMPLED:
    case METRIC_PRECISION:
    case METRIC_RECALL: return 3;
    case METRIC_FID: return 2;
    case METRIC_KID: return 4;
    default: return 1;
    }
}

/* The results table of n models (their summaries sum[n]), best in bold. */
static void table_text(StrBuf *md, const ModelSummary *sum, int n)
{
    strbuf_printf(md, "| model |");
    for (int c = 0; c < N_METRICS; c++)
        strbuf_printf(md, " %s |", metric_headers[table_order[c]]);
    strbuf_printf(md, "\n|---|");
    for (int j = 0; j < N_METRICS; j++)
        strbuf_printf(md, "---:|");
    strbuf_printf(md, "\n");
    for (int i = 0; i < n; i++) {
        strbuf_printf(md, "| %s |", sum[i].name);
        for (int c = 0; c < N_METRICS; c++) {
            int j = table_order[c];
            const char *b = best_in_column(sum, n, j) == i ? "**" : "";
            int digits = metric_digits(j);
            strbuf_printf(md, " %s%.*f ± %.*f%s |", b, digits, sum[i].stat[j].mean, digits,
                          sum[i].stat[j].sd, b);
        }
        strbuf_printf(md, "\n");
    }
}

/* report.md: what was compared, the verdict, the table, how to read it, the
 * figures; with a sweep, a verdict and a table per value (verdicts[v]), and
 * the rate figure. */
static void report_text(StrBuf *md, const CompareReport *r, char (*verdicts)[1024])
{
    const Dataset *ds = r->ds;
    const ModelSummary *sum = r->sum;
    const Sweep *sw = r->sweep;
    int n = r->n_models, nv = sw ? sw->n : 1;
    strbuf_printf(md, "# ffvae compare: %s\n\n", r->out_dir);
    strbuf_printf(md,
                  "Dataset `%s` (%s, %d train / %d test images of %dx%dx%d); budget %s %g per "
                  "run; %d seed%s; evaluated on %d test images.\n\n",
                  ds->name, r->data_path, ds->train.n, ds->test.n, ds->train.h, ds->train.w,
                  ds->train.c, r->steps ? "steps" : "epochs",
                  r->steps ? (double)r->steps : r->epochs, r->seeds, r->seeds > 1 ? "s" : "",
                  r->eval_images > 0 && r->eval_images < ds->test.n ? r->eval_images
                                                                    : ds->test.n);
    if (sw) {
        strbuf_printf(md, "Sweep of `[%s] %s` over", sw->section, sw->key);
        for (int v = 0; v < nv; v++)
            strbuf_printf(md, "%s %s", v ? "," : "", sw->values[v]);
        strbuf_printf(md,
                      ": every model trained at each value (runs/MODEL/%s=V/seedK). A verdict "
                      "and a table per value compare the models at the same setting; how each "
                      "model moves with the value is the [rate figure](rate.png).\n\n",
                      sw->key);
        strbuf_printf(md, "## Verdict\n\n");
        for (int v = 0; v < nv; v++)
            strbuf_printf(md, "### %s = %s\n\n%s\n\n", sw->key, sw->values[v], verdicts[v]);
    } else {
        strbuf_printf(md, "## Verdict\n\n%s\n\n", verdicts[0]);
    }
    strbuf_printf(md, "## Results (mean ± sd over seeds; best in each column in bold)\n\n");
    for (int v = 0; v < nv; v++) {
        if (sw)
            strbuf_printf(md, "%s### %s = %s\n\n", v ? "\n" : "", sw->key, sw->values[v]);
        table_text(md, sum + (size_t)v * n, n);
    }
    for (int i = 0; i < nv * n; i++) /* β = 0 or free bits: eval.h's not_a_bound */
        if (r->runs[(size_t)i * r->seeds].not_a_bound)
            strbuf_printf(md, "\n%s%s%s%s%s: the neg-ELBO is not a bound (trained with beta = 0 "
                              "or free bits, not on the ELBO).\n", sum[i].name,
                          sw ? " at " : "", sw ? sw->key : "", sw ? " = " : "",
                          sw ? sw->values[i / n] : "");
    strbuf_printf(md,
                  "\nHow to read it: lower negative ELBO is a better model of the data; higher "
                  "PSNR and SSIM are reconstructions closer to the originals; the HF ratio is "
                  "the power above half the Nyquist frequency in the model's images divided by "
                  "the same in the data's, so 1.0 is as sharp as the data and lower is blurrier "
                  "(best = closest to 1). The HF error ratio is the power of the error "
                  "(reconstruction minus original) above half Nyquist over the data's power "
                  "there: 0 is exact, lower is better. Noise raises the HF ratio and the HF "
                  "error ratio together; real sharpness raises only the first. The Laplacian "
                  "variance ratio (reconstructions / data, closest to 1) is a second, "
                  "pixel-space sharpness measure. FID, KID (lower is better) and precision, "
                  "recall (higher) judge the prior samples against the test images in the "
                  "features of a classifier trained on this dataset: precision is how many "
                  "samples look like data, recall how much of the data the samples cover. "
                  "Every run's numbers are in [metrics.csv](metrics.csv).\n\n");
    if (sw)
        strbuf_printf(md,
                      "## Rate and distortion\n\n![rate and distortion](rate.png)\n\n"
                      "Each model is one curve through its sweep values (labelled), in the "
                      "sweep's order: on x its rate, the KL(q(z|x) || p(z)) in nats per test "
                      "image; on y the HF ratio of its reconstructions (1 is as sharp as the "
                      "data), the HF error ratio (0 is exact), PSNR%s. Points are means over "
                      "seeds, bars the sd over seeds. Curves that lie on one line say the "
                      "models differ only in the rate they reach; a curve above another at "
                      "the same KL (HF ratio closer to 1 with no more HF error, or higher PSNR) "
                      "is a decoder that does more with the same information. Data: "
                      "[rate.dat](rate.dat), [script](rate.gp).\n\n",
                      rate_has_fid(r) ? " and the FID of the prior "
                                                                "samples (lower is better)"
                                                              : "");
    strbuf_printf(md, "## Figures\n\n");
    strbuf_printf(md,
                  "- [Reconstructions](recon.png): the first %d test images, then one row per "
                  "model (%s; first seed).\n",
                  r->recon_images,
                  sw ? "each value's models in turn, in the tables' order" : "in the table's order");
    for (int q = 0; q < n * nv; q++) {
        char file[400], value[200];
        if (sw && sweep_value_dir(value, sizeof value, sw, q / n) == 0)
            snprintf(file, sizeof file, "%s-%s", sum[q].name, value);
        else
            snprintf(file, sizeof file, "%s", sum[q].name);
        char name[200];
        variant_name(name, sizeof name, r, q);
        strbuf_printf(md,
                      "- %s: [samples](samples-%s.png), [interpolation](interp-%s.png) between "
                      "test images 0 and 1\n",
                      name, file, file);
    }
    strbuf_printf(md, "- [Power and error spectra](spectra.png): left, the radially averaged "
                      "power of the data and the reconstructions; right, each model's relative "
                      "error power per band, error / data ([data](spectra.csv), "
                      "[script](spectra.gp)); the dashed line is half Nyquist.\n");
    strbuf_printf(md, "- [Training curves](curves.png) ([data](curves.dat), [script](curves.gp))."
                      "\n");
    if (sw)
        strbuf_printf(md, "- [Rate and distortion](rate.png) ([data](rate.dat), "
                          "[script](rate.gp)).\n");
}

int compare_report_write(const CompareReport *r, char *verdict, size_t size)
{
    /* With a sweep, a verdict per value: the models are compared where they
     * share every setting; a verdict across values would mostly rank the
     * values rather than the decoders (β trades rate for distortion in every
     * decoder); the rate figure shows how each moves with the value. */
    int nv = r->sweep ? r->sweep->n : 1, n = r->n_models, clear;
    char(*each)[1024] = checked_calloc((size_t)nv, sizeof *each, "verdicts");
    if (!each)
        return -1;
    for (int v = 0; v < nv; v++)
        compare_verdict(each[v], sizeof each[v], r->sum + (size_t)v * n, n, &clear);
    if (!r->sweep) {
        snprintf(verdict, size, "%s", each[0]);
    } else {
        StrBuf all = STRBUF_INIT("verdicts");
        for (int v = 0; v < nv; v++)
            strbuf_printf(&all, "%s%s=%s: %s", v ? "\n" : "", r->sweep->key, r->sweep->values[v],
                          each[v]);
        snprintf(verdict, size, "%s", all.failed ? "" : strbuf_text(&all));
        strbuf_free(&all);
    }
    int rc = -1;
    if (write_metrics(r) == 0 && draw_spectra(r) == 0 && draw_curves(r) == 0 &&
        (!r->sweep || draw_rate(r) == 0)) {
        StrBuf md = STRBUF_INIT("report.md");
        report_text(&md, r, each);
        rc = write_text(r->out_dir, "report.md", &md);
        strbuf_free(&md);
    }
    free(each);
    return rc;
}
