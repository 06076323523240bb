/* fit_run.c - `ffvae fit`'s runs and outputs (see fit_run.h): every check
 * first, then one fit per model and sweep value, then the result tables. */
#include "fit_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distributed.h"
#include "fit.h"
#include "image_grid.h"
#include "import_images.h"
#include "model_config.h"
#include "parallel.h"
#include "render.h"
#include "sweep.h"
#include "util.h"

#define ERROR_GAIN 4.0f /* error.png shows 4·|error|: white is an error of 0.25 or more */

typedef struct {
    ModelConfig cfg;
    const char *path;  /* the model file */
    const char *value; /* the sweep value, or NULL */
    char name[200];    /* run directory name */
    FitResult res;
    size_t params;
} Run;

typedef struct {
    uint8_t *image; /* [S, S, C] */
    int S, C;
    char source[4200];
} Target;

static int load_target(Target *t, const FitOptions *o)
{
    if (o->noise > 0) {
        t->S = o->noise;
        t->C = 3;
        t->image = checked_malloc((size_t)t->S * t->S, 3, "noise image");
        if (!t->image)
            return -1;
        fit_noise_image(t->image, t->S, 3, o->seed);
        snprintf(t->source, sizeof t->source, "white noise (seed %llu)",
                 (unsigned long long)o->seed);
        return 0;
    }
    snprintf(t->source, sizeof t->source, "%s", o->image);
    return image_load_square(o->image, o->size, 0, &t->image, &t->S, &t->C);
}

/* Run directory names keep to a safe alphabet. */
static void run_name(char *buf, size_t size, const char *model, const Sweep *sw, const char *value)
{
    if (value)
        snprintf(buf, size, "%s-%s-%s", model, sw->label, value);
    else
        snprintf(buf, size, "%s", model);
    for (char *p = buf; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.' || *p == '+'))
            *p = '_';
}

/* Every model at every sweep value, checked and prepared for the image. */
static Run *plan_runs(const FitOptions *o, const Sweep *sw, const Target *t, int *n_runs)
{
    int per_model = sw ? sw->n : 1, n = o->n_models * per_model;
    Run *runs = checked_calloc((size_t)n, sizeof *runs, "runs");
    if (!runs)
        return NULL;
    for (int i = 0; i < o->n_models; i++) {
        ModelConfig base;
        if (config_load(&base, o->models[i]) != 0 ||
            config_apply_sets(&base, o->sets, o->n_sets) != 0)
            goto fail;
        const char *why;
        if (sw && !sweep_applies_to_fit(sw, &base, &why)) {
            ffvae_error("%s: cannot sweep [%s] %s: %s", o->models[i], sw->section, sw->key, why);
            goto fail;
        }
        for (int v = 0; v < per_model; v++) {
            Run *r = &runs[i * per_model + v];
            r->cfg = base;
            r->path = o->models[i];
            r->value = sw ? sw->values[v] : NULL;
            if ((sw && config_set(&r->cfg, sw->section, sw->key, r->value, "--sweep") != 0) ||
                fit_prepare_config(&r->cfg, o->models[i], t->S, t->S, t->C) != 0)
                goto fail;
            run_name(r->name, sizeof r->name, base.name, sw, r->value);
            for (int k = 0; k < i * per_model + v; k++)
                if (strcmp(runs[k].name, r->name) == 0) {
                    ffvae_error("%s: two runs would be named '%s' (the same model twice?)",
                                o->models[i], r->name);
                    goto fail;
                }
        }
    }
    *n_runs = n;
    return runs;
fail:
    free(runs);
    return NULL;
}

/* The fitted image, its 2× rendering and the error map of one run. */
static int write_images(const char *dir, const Model *m, const float *fitted, const Target *t)
{
    char path[4400];
    int S = t->S, C = t->C, rc = 0;
    size_t P = (size_t)S * S;
    if (path_join(path, sizeof path, dir, "fitted.png") != 0 ||
        image_grid_write_png(path, fitted, 1, S, S, C, 1, 1) != 0)
        return -1;
    float *buf = checked_malloc(4 * P, (size_t)C * sizeof(float), "2x image");
    if (!buf)
        return -1;
    rc = render_mean_images(buf, m, NULL, 1, 2 * S, 2 * S);
    if (rc == 0)
        rc = path_join(path, sizeof path, dir, "fitted-2x.png");
    if (rc == 0)
        rc = image_grid_write_png(path, buf, 1, 2 * S, 2 * S, C, 1, 1);
    if (rc == 0) {
        for (size_t p = 0; p < P; p++) {
            float e = 0;
            for (int c = 0; c < C; c++)
                e += fabsf(fitted[p * C + c] - (float)t->image[p * C + c] * (1.0f / 255.0f));
            buf[p] = ERROR_GAIN * e / (float)C;
        }
        rc = path_join(path, sizeof path, dir, "error.png");
    }
    if (rc == 0)
        rc = image_grid_write_png(path, buf, 1, S, S, 1, 1, 1);
    free(buf);
    return rc;
}

/* One fit into OUT/RUN. In an MPI job every rank fits (data-parallel) and
 * rank 0 alone writes the run's files. */
static int fit_one(Run *r, const FitOptions *o, const Target *t)
{
    char dir[4300], path[4400];
    int writer = dist_rank() == 0;
    OutputFile curve;
    FILE *f = NULL;
    if (writer) {
        if (path_join(dir, sizeof dir, o->out_dir, r->name) != 0 || make_dirs(dir) != 0 ||
            path_join(path, sizeof path, dir, "curve.csv") != 0)
            return -1;
        if (!(f = output_open(&curve, path)))
            return -1;
        fprintf(f, "step,train_psnr,test_psnr,seconds\n");
    }
    float *fitted = checked_malloc((size_t)t->S * t->S, (size_t)t->C * sizeof(float), "fitted");
    FitSettings s = {o->steps, o->seed, o->holdout, r->cfg.log_every, f, r->name, o->report};
    Model m;
    int rc = fitted ? fit_image(&r->res, &m, &r->cfg, t->image, t->S, t->S, t->C, &s, fitted)
                    : -1;
    int have_model = rc == 0;
    if (rc == 0)
        r->params = model_param_count(&m);
    if (!writer)
        goto out;
    if (rc == 0)
        rc = output_close(&curve, f);
    else
        output_discard(&curve, f);
    if (rc == 0)
        rc = write_images(dir, &m, fitted, t);
    if (rc == 0)
        rc = path_join(path, sizeof path, dir, "config.ini");
    if (rc == 0)
        rc = config_write_file(&m.cfg, path);
out:
    if (have_model)
        model_free(&m);
    free(fitted);
    return rc;
}

static void print_psnr(FILE *f, double v)
{
    if (isnan(v))
        return; /* an empty field: no test set */
    fprintf(f, "%.2f", v);
}

static int write_results(const FitOptions *o, const Sweep *sw, const Target *t, const Run *runs,
                         int n)
{
    char path[4300];
    for (int md = 0; md < 2; md++) {
        OutputFile out;
        FILE *f = NULL;
        if (path_join(path, sizeof path, o->out_dir, md ? "results.md" : "results.csv") != 0 ||
            !(f = output_open(&out, path)))
            return -1;
        if (md) {
            fprintf(f, "# ffvae fit: %s\n\n%dx%d, %d channel%s, %ld steps, seed %llu, %s.\n\n",
                    t->source, t->S, t->S, t->C, t->C == 1 ? "" : "s", o->steps,
                    (unsigned long long)o->seed,
                    o->holdout ? "holdout (train on even rows and columns, test on the rest)"
                               : "every pixel trains (no test set)");
            fprintf(f, "| run | encoding | %s | train PSNR (dB) | test PSNR (dB) | seconds | "
                       "Σ‖b‖² |\n|---|---|---|---:|---:|---:|---:|\n",
                    sw ? sw->label : "features");
        } else {
            fprintf(f, "run,model,encoding,sweep,value,features,parameters,size,channels,steps,"
                       "holdout,train_psnr,test_psnr,seconds,freq_power\n");
        }
        for (int i = 0; i < n; i++) {
            const Run *r = &runs[i];
            const ModelConfig *c = &r->cfg;
            int F = config_encoding_dim(c) / 2;
            if (md) {
                fprintf(f, "| %s | %s | ", r->name, encoding_name(c->encoding));
                if (sw)
                    fprintf(f, "%s", r->value);
                else
                    fprintf(f, "%d", c->encoding == ENCODING_NONE ? 0 : F);
                fprintf(f, " | ");
                print_psnr(f, r->res.train_psnr);
                fprintf(f, " | ");
                print_psnr(f, r->res.test_psnr);
                fprintf(f, " | %.1f | %.4g |\n", r->res.seconds, r->res.freq_power);
            } else {
                fprintf(f, "%s,%s,%s,%s,%s,%d,%zu,%d,%d,%ld,%d,", r->name, c->name,
                        encoding_name(c->encoding), sw ? sw->label : "", r->value ? r->value : "",
                        c->encoding == ENCODING_NONE ? 0 : F, r->params, t->S, t->C, o->steps,
                        o->holdout);
                print_psnr(f, r->res.train_psnr);
                fputc(',', f);
                print_psnr(f, r->res.test_psnr);
                fprintf(f, ",%.3f,%.6g\n", r->res.seconds, r->res.freq_power);
            }
        }
        if (output_close(&out, f) != 0)
            return -1;
    }
    return 0;
}

/* Refuses an output directory with results, makes it and writes target.png. */
static int claim_output(const FitOptions *o, const Target *t)
{
    char path[4300];
    if (path_join(path, sizeof path, o->out_dir, "results.csv") != 0)
        return -1;
    if (path_exists(path)) {
        ffvae_error("%s: already holds fit results; choose another -o", o->out_dir);
        return -1;
    }
    if (make_dirs(o->out_dir) != 0 || path_join(path, sizeof path, o->out_dir, "target.png") != 0)
        return -1;
    float *img = checked_malloc((size_t)t->S * t->S, (size_t)t->C * sizeof(float), "target");
    if (!img)
        return -1;
    for (size_t i = 0; i < (size_t)t->S * t->S * t->C; i++)
        img[i] = (float)t->image[i] * (1.0f / 255.0f);
    int w = image_grid_write_png(path, img, 1, t->S, t->S, t->C, 1, 1);
    free(img);
    return w;
}

int fit_run(const FitOptions *o)
{
    Sweep sweep, *sw = NULL;
    Target t;
    memset(&t, 0, sizeof t);
    if (o->sweep) {
        if (sweep_parse(&sweep, o->sweep) != 0)
            return -1;
        sw = &sweep;
    }
    if (load_target(&t, o) != 0)
        return -1;
    int n = 0, rc = -1;
    Run *runs = NULL;
    if (o->holdout && t.S < 2) {
        ffvae_error("%s: a %dx%d image has no test pixels under --holdout", t.source, t.S, t.S);
        goto done;
    }
    if (!(runs = plan_runs(o, sw, &t, &n)))
        goto done;
    if (threads_use(o->threads) < 0)
        goto done;
    /* The output directory and target.png: rank 0's alone in an MPI job,
     * the others waiting for it (and ending with it when it fails). */
    if (dist_wait_for_root(dist_rank() == 0 ? claim_output(o, &t) : 0) != 0)
        goto done;
    report_line(o->report, "fitting %s (%dx%d, %d channel%s): %d run%s of %ld steps%s", t.source,
                t.S, t.S, t.C, t.C == 1 ? "" : "s", n, n == 1 ? "" : "s", o->steps,
                o->holdout ? ", holdout" : "");
    for (int i = 0; i < n; i++) {
        int fitted = fit_one(&runs[i], o, &t);
        /* Rank 0 writes the run's images while the others wait. */
        if (dist_wait_for_root(fitted) != 0 || fitted != 0)
            goto done;
        const FitResult *r = &runs[i].res;
        report_line(o->report, "%-32s train %6.2f dB  test %6.2f dB  %7.1f s  power %.4g",
                    runs[i].name, r->train_psnr, r->test_psnr, r->seconds, r->freq_power);
        if (dist_active())
            report_line(o->report, "%-32s parameters hash %016llx", runs[i].name,
                        (unsigned long long)r->param_hash);
    }
    rc = dist_wait_for_root(dist_rank() == 0 ? write_results(o, sw, &t, runs, n) : 0);
    if (rc == 0)
        report_line(o->report, "results in %s/results.csv and results.md", o->out_dir);
done:
    free(runs);
    free(t.image);
    return rc;
}
