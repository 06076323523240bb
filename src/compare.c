/* compare.c - `ffvae compare`: claims the output directory (its manifest),
 * trains every run, evaluates each and draws its figures, then hands the
 * numbers to the report (compare_report.c). */
#include "compare.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint.h"
#include "classifier.h"
#include "dataset.h"
#include "dist_train.h"
#include "distributed.h"
#include "eval.h"
#include "figures.h"
#include "model_config.h"
#include "spectrum.h"
#include "stale_temps.h"
#include "strbuf.h"
#include "train.h"
#include "sweep.h"
#include "util.h"

/* With a sweep, every model runs at every value: a "variant" is one (value,
 * model) pair, numbered value-major (q = v · n_models + i), so that the
 * variants of one value, one table of the report, sit together. Without a
 * sweep there is one value and the variants are the models. */
typedef struct {
    const CompareOptions *o;
    Dataset ds;
    Sweep sweep;        /* valid when have_sweep */
    int have_sweep;
    int n_values;       /* sweep values; 1 without a sweep */
    ModelConfig *cfg;   /* [n_models]: each model as given (--set applied, before the sweep) */
    int *batch;         /* [n_variants]: each variant's batch (a sweep may set it), for
                           the steps an --epochs budget means */
    RunResult *runs;    /* [n_variants · seeds] */
    double *radial;     /* [n_variants + 1, n_bins]: data, then each variant (mean over seeds) */
    double *radial_error; /* [n_variants, n_bins]: relative error power (mean over seeds) */
    int n_bins;
    Classifier cls;
    int have_cls;
} Comparison;

/* The classifier of -c, else the dataset's default classifiers/NAME.h5, else
 * OUT/classifier.h5 from an earlier run, loaded and checked against the data;
 * without any, c->have_cls stays 0 and train_classifier makes one (in OUT, so
 * compare writes nothing outside its output directory). */
static int find_classifier(Comparison *c)
{
    const CompareOptions *o = c->o;
    char def[4200], own[4200];
    const char *path = o->classifier;
    if (!path) {
        if (classifier_default_path(def, sizeof def, c->ds.name) != 0 ||
            path_join(own, sizeof own, o->out_dir, "classifier.h5") != 0)
            return -1;
        path = path_exists(def) ? def : own;
        if (!path_exists(path))
            return 0; /* train_classifier makes OUT/classifier.h5 */
    }
    if (classifier_load(&c->cls, path) != 0)
        return -1;
    c->have_cls = 1;
    if (classifier_check(&c->cls, path, o->data_path, c->ds.name, c->ds.test.h, c->ds.test.w,
                         c->ds.test.c) != 0)
        return -1;
    report_line(o->report, "classifier %s (test accuracy %.4f)", path, c->cls.test_accuracy);
    return 0;
}

/* Trains the dataset's classifier into OUT/classifier.h5, once the output
 * directory is claimed (a rerun then finds it there). */
static int train_classifier(Comparison *c)
{
    const CompareOptions *o = c->o;
    char own[4200];
    if (path_join(own, sizeof own, o->out_dir, "classifier.h5") != 0)
        return -1;
    report_line(o->report, "training the feature classifier for FID/KID: %s", own);
    ClassifierOptions co = {.data_path = o->data_path, .out_path = own, .seed = 1,
                            .threads = o->threads, .report = o->report};
    if (classifier_train(&c->cls, &co) != 0)
        return -1;
    c->have_cls = 1;
    report_line(o->report, "classifier %s: test accuracy %.4f", own, c->cls.test_accuracy);
    return 0;
}

/* OUT/runs/NAME/seedK, or OUT/runs/NAME/KEY=V/seedK in a sweep: variant q. */
static int run_dir(char *buf, size_t size, const Comparison *c, int q, int seed)
{
    const CompareOptions *o = c->o;
    const char *name = c->cfg[q % o->n_models].name;
    char value[200];
    int n = -1;
    if (!c->have_sweep)
        n = snprintf(buf, size, "%s/runs/%s/seed%d", o->out_dir, name, seed);
    else if (sweep_value_dir(value, sizeof value, &c->sweep, q / o->n_models) == 0)
        n = snprintf(buf, size, "%s/runs/%s/%s/seed%d", o->out_dir, name, value, seed);
    if (n < 0 || (size_t)n >= size) {
        ffvae_error("%s: path too long", o->out_dir);
        return -1;
    }
    return 0;
}

/* The run directory's checkpoint.h5. */
static int run_checkpoint(char *buf, size_t size, const Comparison *c, int q, int seed)
{
    char dir[4096];
    if (run_dir(dir, sizeof dir, c, q, seed) != 0)
        return -1;
    return path_join(buf, size, dir, "checkpoint.h5");
}

/* Variant q in progress lines: "NAME", or "NAME KEY=V" in a sweep. */
static void variant_label(char *buf, size_t size, const Comparison *c, int q)
{
    const char *name = c->cfg[q % c->o->n_models].name;
    if (c->have_sweep)
        snprintf(buf, size, "%s %s=%s", name, c->sweep.key, c->sweep.values[q / c->o->n_models]);
    else
        snprintf(buf, size, "%s", name);
}

/* The sweep's value v as a `--set KEY=V` text, for train_run and the checks. */
static void sweep_set_text(char *buf, size_t size, const Sweep *s, int v)
{
    snprintf(buf, size, "%s.%s=%s", s->section, s->key, s->values[v]);
}

/* One model as it will train (at one sweep value): it must fit the data and
 * be a VAE whose batch the training set and the ranks can fill. path names
 * it in messages (with the sweep value, when there is one). */
static int check_trainable(const Comparison *c, const ModelConfig *m, const char *path)
{
    const CompareOptions *o = c->o;
    const Split *sp = &c->ds.train;
    if (split_check_geometry(sp, m->height, m->width, m->channels, path, o->data_path) != 0)
        return -1;
    if (m->latent < 1) {
        ffvae_error("%s: [latent] size 0 is a fit network, not a VAE", path);
        return -1;
    }
    if (sp->n < m->batch) {
        ffvae_error("%s: %d training images, fewer than one batch of %d%s%s%s", o->data_path,
                    sp->n, m->batch, c->have_sweep ? " (" : "", c->have_sweep ? path : "",
                    c->have_sweep ? ")" : "");
        return -1;
    }
    return dist_check_batch(m); /* an MPI job: every model splits over the ranks */
}

/* The sweep at every model: the key must mean something to it, and each value
 * must be one the key accepts and leave a model compare can train. Messages
 * name the model file, the key and the value. */
static int check_sweep(const Comparison *c, int i)
{
    const CompareOptions *o = c->o;
    const Sweep *sw = &c->sweep;
    const char *why;
    if (!sweep_applies_to_vae(sw, &c->cfg[i], &why)) {
        char values[SWEEP_MAX_VALUES * 65] = "";
        for (int v = 0; v < sw->n; v++)
            snprintf(values + strlen(values), sizeof values - strlen(values), "%s%s",
                     v ? "," : "", sw->values[v]);
        ffvae_error("%s: cannot sweep [%s] %s (--sweep %s=%s): %s", o->models[i], sw->section,
                    sw->key, sw->label, values, why);
        return -1;
    }
    for (int v = 0; v < sw->n; v++) {
        char origin[4400];
        snprintf(origin, sizeof origin, "%s, --sweep %s=%s", o->models[i], sw->label,
                 sw->values[v]);
        ModelConfig m = c->cfg[i];
        if (config_set(&m, sw->section, sw->key, sw->values[v], origin) != 0 ||
            check_trainable(c, &m, origin) != 0)
            return -1;
        c->batch[v * o->n_models + i] = m.batch;
    }
    return 0;
}

/* Two values that would share a run directory ("0.5" twice, or "a b" and "a_b"). */
static int check_sweep_dirs(const Sweep *sw)
{
    for (int v = 0; v < sw->n; v++)
        for (int w = 0; w < v; w++) {
            char a[200], b[200];
            if (sweep_value_dir(a, sizeof a, sw, v) != 0 || sweep_value_dir(b, sizeof b, sw, w) != 0) {
                ffvae_error("--sweep %s: a value too long for a run directory", sw->label);
                return -1;
            }
            if (strcmp(a, b) == 0) {
                ffvae_error("--sweep %s: the values '%s' and '%s' would share the run directory "
                            "'%s'", sw->label, sw->values[w], sw->values[v], a);
                return -1;
            }
        }
    return 0;
}

/* Everything is checked before any training and before the output directory
 * is made: every model loads and fits the data at every sweep value, and no
 * two share a name. */
static int check_models(Comparison *c)
{
    const CompareOptions *o = c->o;
    if (c->have_sweep && check_sweep_dirs(&c->sweep) != 0)
        return -1;
    for (int i = 0; i < o->n_models; i++) {
        ModelConfig *m = &c->cfg[i];
        if (config_load(m, o->models[i]) != 0 || config_apply_sets(m, o->sets, o->n_sets) != 0)
            return -1;
        if (c->have_sweep ? check_sweep(c, i) != 0 : check_trainable(c, m, o->models[i]) != 0)
            return -1;
        if (!c->have_sweep)
            c->batch[i] = m->batch;
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
char *compare_manifest_text(const char *dataset, int n_train, long steps, double epochs,
                            int seeds, const Sweep *sweep, const ModelConfig *cfg, int n_models)
{
    StrBuf b = STRBUF_INIT("manifest");
    strbuf_printf(&b,
                  "ffvae compare manifest 1\ndataset %s (%d train images)\n"
                  "budget %s %g\nseeds %d\n",
                  dataset, n_train, steps ? "steps" : "epochs", steps ? (double)steps : epochs,
                  seeds);
    if (sweep) {
        /* [section] key as resolved, and the values as given, in order */
        strbuf_printf(&b, "sweep [%s] %s =", sweep->section, sweep->key);
        for (int v = 0; v < sweep->n; v++)
            strbuf_printf(&b, "%s%s", v ? "," : " ", sweep->values[v]);
        strbuf_printf(&b, "\n");
    }
    for (int i = 0; i < n_models; i++) {
        char *text = config_to_string(&cfg[i]);
        if (!text) {
            strbuf_free(&b);
            return NULL;
        }
        strbuf_printf(&b, "--- model %s\n%s", cfg[i].name, text);
        free(text);
    }
    return strbuf_take(&b);
}

static char *manifest_text(const Comparison *c)
{
    const CompareOptions *o = c->o;
    return compare_manifest_text(c->ds.name, c->ds.train.n, o->steps, o->epochs, o->seeds,
                                 c->have_sweep ? &c->sweep : NULL, c->cfg, o->n_models);
}

/* The manifest's sweep line, or "" when it has none (into buf[size]). */
static void manifest_sweep_line(char *buf, size_t size, const char *text)
{
    buf[0] = '\0';
    const char *p = strstr(text, "\nsweep ");
    if (!p)
        return;
    p++;
    size_t n = strcspn(p, "\n");
    snprintf(buf, size, "%.*s", (int)n, p);
}

/* The whole of a text file into *text (the caller frees it), or *text = NULL
 * when there is no such file. -1 (reported) when it exists but cannot be
 * read: an unreadable manifest must not be taken for a missing one and
 * replaced. */
static int read_whole_file(const char *path, char **text)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        ffvae_error("%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    int stat_failed = fstat(fileno(f), &st) != 0;
    if (stat_failed || !S_ISREG(st.st_mode)) {
        ffvae_error("%s: cannot read: %s", path,
                    stat_failed ? strerror(errno) : "not a regular file");
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    char *buf = checked_malloc(n + 1, 1, path);
    if (buf && fread(buf, 1, n, f) != n) {
        ffvae_error("%s: cannot read: %s", path,
                    ferror(f) ? strerror(errno) : "shorter than its size");
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (!buf)
        return -1;
    buf[n] = '\0';
    *text = buf;
    return 0;
}

static int claim_output(const Comparison *c)
{
    char path[4200];
    if (make_dirs(c->o->out_dir) != 0 || remove_stale_temps(c->o->out_dir) < 0 ||
        path_join(path, sizeof path, c->o->out_dir, "manifest.txt") != 0)
        return -1;
    char *want = manifest_text(c);
    if (!want)
        return -1;
    char *have;
    int rc = read_whole_file(path, &have);
    if (rc == 0 && have && strcmp(have, want) != 0) {
        char was[400], now[400];
        manifest_sweep_line(was, sizeof was, have);
        manifest_sweep_line(now, sizeof now, want);
        if (strcmp(was, now) != 0)
            ffvae_error("%s: holds a different comparison (its manifest.txt says %s, this one %s);"
                        " choose another -o", c->o->out_dir, was[0] ? was : "no sweep",
                        now[0] ? now : "no sweep");
        else
            ffvae_error("%s: holds a different comparison (see its manifest.txt); choose another "
                        "-o", c->o->out_dir);
        rc = -1;
    } else if (rc == 0 && !have) {
        rc = write_file_atomic(path, want);
    }
    free(have);
    free(want);
    return rc;
}

/* Trains one run unless its checkpoint already reached the budget. */
static int train_one(const Comparison *c, int q, int seed, const char *dir, int index, int total)
{
    const CompareOptions *o = c->o;
    int i = q % o->n_models;
    char ckpt[4200];
    if (path_join(ckpt, sizeof ckpt, dir, "checkpoint.h5") != 0)
        return -1;
    /* The sweep's value is one more --set, after the others (as check_sweep
     * applied it), so a resumed run is checked against it too. */
    const char *sets[CONFIG_MAX_SETS + 1];
    char value_set[200], what[300];
    int n_sets = o->n_sets;
    memcpy(sets, o->sets, (size_t)o->n_sets * sizeof *sets);
    if (c->have_sweep) {
        sweep_set_text(value_set, sizeof value_set, &c->sweep, q / o->n_models);
        sets[n_sets++] = value_set;
    }
    variant_label(what, sizeof what, c, q);
    long per_epoch = c->ds.train.n / c->batch[q];
    long target = o->steps ? o->steps : (long)ceil(o->epochs * (double)per_epoch);
    /* In an MPI job rank 0 decides (its view of the run directory), so every
     * rank makes the same train_run call or none: [resume?, steps done]. */
    int64_t state[2] = {0, 0};
    if (dist_rank() == 0 && path_exists(ckpt)) {
        Model m;
        TrainState s;
        if (checkpoint_load(ckpt, &m, &s) != 0)
            state[0] = -1;
        else
            state[0] = 1, state[1] = s.step;
        if (state[0] > 0) {
            train_state_free(&s);
            model_free(&m);
        }
    }
    dist_bcast(state, sizeof state);
    if (state[0] < 0)
        return -1; /* rank 0 said why */
    int resume = state[0] > 0;
    if (resume && state[1] >= target) {
        report_line(o->report, "[%d/%d] %s seed %d: finished (%ld steps), skipped", index, total,
                    what, seed, (long)state[1]);
        return 0;
    }
    report_line(o->report, "[%d/%d] %s seed %d: %s", index, total, what, seed,
                resume ? "resuming" : "training");
    TrainOptions t = {.model_path = resume ? NULL : o->models[i],
                      .data_path = o->data_path,
                      .run_dir = dir,
                      .steps = target,
                      .seed = (uint64_t)seed,
                      .threads = o->threads,
                      .resume = resume,
                      .report = o->report,
                      .resume_hint = "run the same command again to resume",
                      .stop = o->stop,
                      .sets = sets,
                      .n_sets = n_sets};
    return train_run(&t);
}

/* OUT_DIR/KIND-NAME.png, a figure of one model, or KIND-NAME-KEY=V.png at one
 * sweep value (variant q). */
static int model_figure_path(char *path, size_t size, const Comparison *c, const char *kind,
                             int q)
{
    char file[400], value[200]; /* a [model] name is at most 63 characters */
    const char *name = c->cfg[q % c->o->n_models].name;
    if (!c->have_sweep)
        snprintf(file, sizeof file, "%s-%s.png", kind, name);
    else if (sweep_value_dir(value, sizeof value, &c->sweep, q / c->o->n_models) == 0)
        snprintf(file, sizeof file, "%s-%s-%s.png", kind, name, value);
    else
        return -1;
    return path_join(path, size, c->o->out_dir, file);
}

/* Reconstructions, samples and an interpolation of one model, as PNG grids. */
#define FIG_IMAGES 8
static int model_figures(const Comparison *c, const Model *m, float *recon_rows, int q)
{
    int row = q + 1; /* row 0: the originals */
    const Split *te = &c->ds.test;
    size_t img = (size_t)m->H * m->W * m->C;
    int n = te->n < FIG_IMAGES ? te->n : FIG_IMAGES;
    char path[4300];
    /* reconstructions: one row of the shared figure, recon.png */
    if (reconstruct_images(recon_rows + (size_t)row * FIG_IMAGES * img, m, te->images, n) != 0)
        return -1;
    /* samples: two rows of prior draws, the same draws for every model */
    Rng r;
    rng_seed(&r, 7, 3);
    if (model_figure_path(path, sizeof path, c, "samples", q) != 0 ||
        figure_samples(path, m, 2 * FIG_IMAGES, 0, 1.0f, &r, FIG_IMAGES, 2) != 0)
        return -1;
    /* interpolation: test image 0 → 1, originals at the ends */
    if (te->n < 2)
        return 0;
    static const int first_two[2] = {0, 1};
    InterpFigure f = {.test = te, .pairs = first_two, .rows = 1, .frames = FIG_IMAGES, .scale = 2};
    if (model_figure_path(path, sizeof path, c, "interp", q) != 0)
        return -1;
    return figure_interp(path, m, &f);
}

/* Evaluates every run, draws the per-model figures from each model's first
 * seed (at each sweep value). */
static int evaluate_runs(Comparison *c, float *recon_rows)
{
    const CompareOptions *o = c->o;
    for (int q = 0; q < o->n_models * c->n_values; q++) {
        char what[300];
        variant_label(what, sizeof what, c, q);
        for (int k = 1; k <= o->seeds; k++) {
            char ckpt[4200];
            if (run_checkpoint(ckpt, sizeof ckpt, c, q, k) != 0)
                return -1;
            Model m;
            TrainState s;
            if (checkpoint_load(ckpt, &m, &s) != 0)
                return -1;
            EvalResult e;
            int rc = evaluate_with(&e, &m, &c->ds.test, o->eval_images, 1,
                                   c->have_cls ? &c->cls : NULL);
            if (rc == 0) {
                RunResult *r = &c->runs[q * o->seeds + (k - 1)];
                double v[N_METRICS] = {
                    [METRIC_NELBO] = e.nelbo,
                    [METRIC_PSNR] = e.psnr,
                    [METRIC_SSIM] = e.ssim,
                    [METRIC_HF_RECON] = e.hf_ratio_recon,
                    [METRIC_HF_SAMPLES] = e.hf_ratio_samples,
                    [METRIC_SECONDS] = s.seconds,
                    [METRIC_IMAGES_S] =
                        s.seconds > 0 ? (double)s.step * m.cfg.batch / s.seconds : 0,
                    [METRIC_HF_ERROR] = e.hf_error_ratio,
                    [METRIC_LAPLACIAN] = e.laplacian_ratio_recon,
                    [METRIC_FID] = e.fid_samples,
                    [METRIC_KID] = e.kid_samples,
                    [METRIC_PRECISION] = e.precision,
                    [METRIC_RECALL] = e.recall,
                    [METRIC_HF_RECON_SAMPLED] = e.hf_ratio_recon_sampled,
                    [METRIC_PSNR_SAMPLED] = e.psnr_sampled};
                memcpy(r->metric, v, sizeof v);
                r->steps = s.step;
                r->not_a_bound = e.not_a_bound;
                r->kl = e.kl;
                c->n_bins = e.n_bins;
                for (int b = 0; b < e.n_bins; b++) {
                    c->radial[b] = e.radial_data[b];
                    c->radial[(size_t)(q + 1) * e.n_bins + b] += e.radial_recon[b] / o->seeds;
                    if (e.radial_data[b] > 0)
                        c->radial_error[(size_t)q * e.n_bins + b] +=
                            e.radial_error[b] / e.radial_data[b] / o->seeds;
                }
                report_line(o->report,
                            "%s seed %d: nelbo %.2f  psnr %.2f dB  ssim %.4f  hf ratio %.3f "
                            "(samples %.3f)  hf error %.3f  fid %.2f",
                            what, k, e.nelbo, e.psnr, e.ssim, e.hf_ratio_recon,
                            e.hf_ratio_samples, e.hf_error_ratio, e.fid_samples);
                if (e.note[0] && k == 1)
                    report_line(o->report, "%s: %s", what, e.note);
                eval_result_free(&e);
                if (k == 1)
                    rc = model_figures(c, &m, recon_rows, q);
            }
            train_state_free(&s);
            model_free(&m);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

/* The training log of each variant's first seed, for the curves figure. */
static int load_curves(const Comparison *c, TrainState *curves)
{
    for (int q = 0; q < c->o->n_models * c->n_values; q++) {
        char ckpt[4200];
        Model m;
        if (run_checkpoint(ckpt, sizeof ckpt, c, q, 1) != 0 ||
            checkpoint_load(ckpt, &m, &curves[q]) != 0)
            return -1;
        model_free(&m);
    }
    return 0;
}

/* Writes the report's files; verdict[size] receives the verdict it states. */
static int write_report(const Comparison *c, const ModelSummary *sum, char *verdict, size_t size)
{
    const CompareOptions *o = c->o;
    int n = o->n_models * c->n_values;
    TrainState *curves = checked_calloc((size_t)n, sizeof *curves, "training curves");
    int rc = -1;
    if (curves && load_curves(c, curves) == 0) {
        CompareReport r = {.out_dir = o->out_dir,
                           .data_path = o->data_path,
                           .ds = &c->ds,
                           .steps = o->steps,
                           .epochs = o->epochs,
                           .seeds = o->seeds,
                           .eval_images = o->eval_images,
                           .n_models = o->n_models,
                           .sweep = c->have_sweep ? &c->sweep : NULL,
                           .sum = sum,
                           .runs = c->runs,
                           .radial = c->radial,
                           .radial_error = c->radial_error,
                           .n_bins = c->n_bins,
                           .curves = curves,
                           .recon_images = FIG_IMAGES};
        rc = compare_report_write(&r, verdict, size);
    }
    for (int i = 0; curves && i < n; i++)
        train_state_free(&curves[i]);
    free(curves);
    return rc;
}

/* Evaluates every run, draws the figures and writes the report; 0 or -1. */
static int report_runs(Comparison *c, float *recon_rows, ModelSummary *sum)
{
    const CompareOptions *o = c->o;
    int n = o->n_models * c->n_values;
    if (evaluate_runs(c, recon_rows) != 0)
        return -1;
    char path[4200];
    if (path_join(path, sizeof path, o->out_dir, "recon.png") != 0 ||
        figure_recon_rows(path, recon_rows, &c->ds.test, n, FIG_IMAGES, 2) != 0)
        return -1;
    for (int q = 0; q < n; q++)
        sum[q] = summarise_runs(c->cfg[q % o->n_models].name, &c->runs[q * o->seeds], o->seeds);
    size_t size = 1024 + (c->have_sweep ? (size_t)c->n_values * 1200 : 0); /* a verdict a value */
    char *verdict = checked_malloc(size, 1, "verdict");
    if (!verdict || write_report(c, sum, verdict, size) != 0) {
        free(verdict);
        return -1;
    }
    report_line(o->report, "%s", "");
    report_line(o->report, "report: %s/report.md", o->out_dir);
    report_line(o->report, "%s", "");
    report_line(o->report, "%s", verdict);
    free(verdict);
    return 0;
}

int compare_run(const CompareOptions *o)
{
    Comparison c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.n_values = 1;
    if (o->sweep) { /* parsed first: a bad --sweep needs no dataset to be refused */
        if (sweep_parse(&c.sweep, o->sweep) != 0)
            return -1;
        c.have_sweep = 1;
        c.n_values = c.sweep.n;
    }
    if (dataset_load(&c.ds, o->data_path) != 0)
        return -1;
    int n = o->n_models * c.n_values, rc = -1; /* variants */
    c.cfg = checked_calloc((size_t)o->n_models, sizeof *c.cfg, "model definitions");
    c.runs = checked_calloc((size_t)n * o->seeds, sizeof *c.runs, "run results");
    c.batch = checked_calloc((size_t)n, sizeof *c.batch, "batch sizes");
    ModelSummary *sum = checked_calloc((size_t)n, sizeof *sum, "summaries");
    float *recon_rows = NULL;
    if (!c.cfg || !c.runs || !c.batch || !sum || check_models(&c) != 0)
        goto out;
    int nb = spectrum_bins(c.ds.test.h, c.ds.test.w); /* what evaluate() reports */
    c.radial = checked_calloc((size_t)(2 * n + 1) * nb, sizeof(double), "spectra");
    if (c.radial)
        c.radial_error = c.radial + (size_t)(n + 1) * nb;
    size_t img = (size_t)c.ds.test.h * c.ds.test.w * c.ds.test.c;
    recon_rows = checked_calloc((size_t)(n + 1) * FIG_IMAGES, img * sizeof(float), "recon figure");
    if (!c.radial || !recon_rows || c.ds.test.n < 1) {
        if (c.ds.test.n < 1)
            ffvae_error("%s: the test split is empty", o->data_path);
        goto out;
    }
    /* A given or found classifier is checked first; the report directory
     * appears once all is accepted, and only then is a missing one trained.
     * In an MPI job that is rank 0's alone (the others never evaluate), and
     * the others wait for it, asleep. */
    int ready = 0;
    if (dist_rank() == 0 && (find_classifier(&c) != 0 || claim_output(&c) != 0 ||
                             (!c.have_cls && train_classifier(&c) != 0)))
        ready = -1;
    if (dist_wait_for_root(ready) != 0)
        goto out;
    int total = n * o->seeds, index = 0;
    for (int q = 0; q < n; q++)
        for (int k = 1; k <= o->seeds; k++) {
            char dir[4096];
            if (run_dir(dir, sizeof dir, &c, q, k) != 0) /* train_run makes it */
                goto out;
            int trained = train_one(&c, q, k, dir, ++index, total);
            if (trained == TRAIN_INTERRUPTED)
                rc = TRAIN_INTERRUPTED; /* train_run said how to continue */
            if (trained != 0)
                goto out;
        }
    /* Evaluation, figures and the report: rank 0 alone (it writes them; see
     * README, "Training on several processes"), while the others wait asleep
     * and then end with its status. */
    if (dist_rank() == 0)
        rc = report_runs(&c, recon_rows, sum);
    rc = dist_wait_for_root(rc);
out:
    free(recon_rows);
    free(c.radial);
    free(sum);
    free(c.runs);
    free(c.batch);
    free(c.cfg);
    if (c.have_cls)
        classifier_free(&c.cls);
    dataset_free(&c.ds);
    return rc;
}
