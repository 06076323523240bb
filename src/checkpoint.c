/* checkpoint.c - saving and loading the model and training state in HDF5. */
#include "checkpoint.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "h5check.h"
#include "onednn.h"
#include "h5util.h"
#include "util.h"

int train_state_append_log(TrainState *s, const LogRow *row)
{
    if (s->n_log == s->cap_log) {
        long cap = s->cap_log ? 2 * s->cap_log : 256;
        LogRow *grown = realloc(s->log, (size_t)cap * sizeof *grown);
        if (!grown) {
            ffvae_error("training log: cannot grow to %ld rows", cap);
            return -1;
        }
        s->log = grown;
        s->cap_log = cap;
    }
    s->log[s->n_log++] = *row;
    return 0;
}

void train_state_free(TrainState *s)
{
    free(s->log);
    s->log = NULL;
    s->n_log = s->cap_log = 0;
}

/* The three buffers stored per tensor, with their groups. */
static const char *const buffer_groups[3] = {"/params", "/optim/m", "/optim/v"};

static float *buffer_of(const Model *m, int which)
{
    return which == 0 ? m->params : which == 1 ? m->adam_m : m->adam_v;
}

enum { READ_ARRAYS, WRITE_ARRAYS };

/* The frequencies and every tensor of the three buffers, read from or
 * written to their datasets: one walk, so the two directions cannot drift
 * (reading fills the buffers m points to; m itself is not changed). */
static int transfer_arrays(H5File *f, const Model *m, int direction)
{
    int rc = 0;
    if (m->F > 0) {
        size_t dims[2] = {(size_t)m->F, 2};
        rc = direction == WRITE_ARRAYS ? h5_write(f, "/encoding/B", H5_F32, 2, dims, m->freqs, 0)
                                       : h5_read(f, "/encoding/B", H5_F32, 2, dims, m->freqs);
    }
    for (int which = 0; which < 3 && rc == 0; which++) {
        for (int i = 0; i < m->table.n && rc == 0; i++) {
            const Tensor *t = &m->table.t[i];
            char obj[128];
            size_t dims[2] = {(size_t)t->rows, (size_t)t->cols};
            float *data = buffer_of(m, which) + t->offset;
            snprintf(obj, sizeof obj, "%s/%s", buffer_groups[which], t->name);
            rc = direction == WRITE_ARRAYS ? h5_write(f, obj, H5_F32, 2, dims, data, 0)
                                           : h5_read(f, obj, H5_F32, 2, dims, data);
        }
    }
    return rc;
}

/* ---- save ---------------------------------------------------------------- */

/* The float columns of /log, in LogRow's order after step. */
enum { LOG_FFL = 5, N_LOG_COLUMNS = 6 };
static const char *const log_columns[N_LOG_COLUMNS] = {"epoch", "loss",    "reconstruction",
                                                      "kl",    "seconds", "focal_frequency"};

static int write_log(H5File *f, const TrainState *s)
{
    size_t n = (size_t)s->n_log;
    int64_t *steps = checked_malloc(n ? n : 1, sizeof *steps, "log steps");
    float *col = checked_malloc(n ? n : 1, sizeof *col, "log column");
    int rc = (!steps || !col) ? -1 : 0;
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            steps[i] = s->log[i].step;
        rc = h5_write(f, "/log/step", H5_I64, 1, &n, steps, 0);
    }
    for (int c = 0; c < N_LOG_COLUMNS && rc == 0; c++) {
        for (size_t i = 0; i < n; i++) {
            const LogRow *r = &s->log[i];
            float v[N_LOG_COLUMNS] = {r->epoch, r->loss, r->recon, r->kl, r->seconds, r->ffl};
            col[i] = v[c];
        }
        char obj[64];
        snprintf(obj, sizeof obj, "/log/%s", log_columns[c]);
        rc = h5_write(f, obj, H5_F32, 1, &n, col, 0);
    }
    /* The text below and its reader list every slot in PendingSlot order. */
    _Static_assert(PENDING_SLOTS == 5, "the pending attribute's format lists 5 slots");
    if (rc == 0) { /* as text with 17 digits: a resumed run must see the exact doubles */
        char text[200];
        snprintf(text, sizeof text, "%.17g %.17g %.17g %.17g %.17g", s->pending[0], s->pending[1],
                 s->pending[2], s->pending[3], s->pending[4]);
        rc = h5_set_attr_str(f, "/log", "pending", text);
    }
    free(steps);
    free(col);
    return rc;
}

static int write_contents(H5File *f, const Model *m, const TrainState *s)
{
    char *config = config_to_string(&m->cfg);
    if (!config)
        return -1;
    int rc = h5_set_attr_str(f, "/", "format", CHECKPOINT_FORMAT);
    rc = rc ? rc : h5_set_attr_i64(f, "/", "version", CHECKPOINT_VERSION);
    rc = rc ? rc : h5_set_attr_str(f, "/", "program_version", PACKAGE_VERSION);
    rc = rc ? rc : h5_write_text(f, "/config", config);
    free(config);
    if (rc == 0)
        rc = transfer_arrays(f, m, WRITE_ARRAYS);
    if (rc == 0 && s) {
        rc = h5_set_attr_i64(f, "/", "step", s->step);
        /* The position in the data as a global sample index (step · global
         * batch): the same for any number of ranks, so an MPI run resumes at
         * another N, or in the plain program. */
        rc = rc ? rc : h5_set_attr_i64(f, "/", "sample", (long long)s->step * m->cfg.batch);
        rc = rc ? rc : h5_set_attr_i64(f, "/", "target_steps", s->target_steps);
        rc = rc ? rc : h5_set_attr_i64(f, "/", "seed", (long long)s->seed);
        rc = rc ? rc : h5_set_attr_str(f, "/", "dataset", s->dataset);
        char num[64];
        snprintf(num, sizeof num, "%.17g", s->epoch);
        rc = rc ? rc : h5_set_attr_str(f, "/", "epoch", num);
        snprintf(num, sizeof num, "%.17g", s->seconds);
        rc = rc ? rc : h5_set_attr_str(f, "/", "seconds", num);
        uint64_t rng[2] = {s->rng.state, s->rng.inc};
        size_t two = 2;
        rc = rc ? rc : h5_write(f, "/rng", H5_U64, 1, &two, rng, 0);
        rc = rc ? rc : write_log(f, s);
    }
    return rc;
}

int checkpoint_save(const char *path, const Model *m, const TrainState *s)
{
    OutputFile out;
    if (output_begin(&out, path, 1) != 0)
        return -1;
    H5File f;
    if (h5f_create(&f, out.tmp_path) != 0) {
        output_abort(&out);
        return -1;
    }
    int rc = write_contents(&f, m, s);
    if (h5f_close(&f) != 0) /* close flushes: only a complete file is renamed */
        rc = -1;
    if (rc != 0) {
        ffvae_error("%s: checkpoint not saved; the previous one (if any) is untouched", path);
        output_abort(&out);
        return -1;
    }
    return output_commit(&out);
}

/* ---- load ---------------------------------------------------------------- */

static int read_double_attr(H5File *f, const char *name, double *out)
{
    char buf[64];
    if (h5_get_attr_str(f, "/", name, buf, sizeof buf) != 0)
        return -1;
    char *end;
    *out = strtod(buf, &end);
    if (end == buf || *end || !isfinite(*out)) {
        ffvae_error("%s: attribute '%s' is not a number: '%s'", f->path, name, buf);
        return -1;
    }
    return 0;
}

static int read_log(H5File *f, TrainState *s)
{
    int rank;
    size_t n;
    if (h5_shape(f, "/log/step", H5_I64, 1, &rank, &n) != 0)
        return -1;
    int64_t *steps = checked_malloc(n ? n : 1, sizeof *steps, "log steps");
    float *cols = checked_calloc(N_LOG_COLUMNS * (n ? n : 1), sizeof *cols, "log columns");
    int rc = (!steps || !cols) ? -1 : h5_read(f, "/log/step", H5_I64, 1, &n, steps);
    for (int c = 0; c < N_LOG_COLUMNS && rc == 0; c++) {
        char obj[64];
        snprintf(obj, sizeof obj, "/log/%s", log_columns[c]);
        if (c == LOG_FFL && !h5_exists(f, obj))
            continue; /* written before the column existed: zeros */
        rc = h5_read(f, obj, H5_F32, 1, &n, cols + (size_t)c * n);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        LogRow r = {steps[i],        cols[i],         cols[n + i],         cols[2 * n + i],
                    cols[3 * n + i], cols[4 * n + i], cols[LOG_FFL * n + i]};
        rc = train_state_append_log(s, &r);
    }
    char text[200];
    if (rc == 0)
        rc = h5_get_attr_str(f, "/log", "pending", text, sizeof text);
    s->pending[PENDING_FFL] = 0; /* absent from files written before the ffl column */
    int got = rc == 0 ? sscanf(text, "%lf %lf %lf %lf %lf", &s->pending[0], &s->pending[1],
                               &s->pending[2], &s->pending[3], &s->pending[4])
                      : 0;
    if (rc == 0 && got != PENDING_FFL && got != PENDING_SLOTS) {
        ffvae_error("%s: /log: attribute 'pending' is malformed", f->path);
        rc = -1;
    }
    free(steps);
    free(cols);
    return rc;
}

static int read_state(H5File *f, TrainState *s)
{
    long long step, target, seed;
    memset(s, 0, sizeof *s);
    if (h5_get_attr_i64(f, "/", "step", &step) || h5_get_attr_i64(f, "/", "target_steps", &target) ||
        h5_get_attr_i64(f, "/", "seed", &seed) ||
        h5_get_attr_str(f, "/", "dataset", s->dataset, sizeof s->dataset) ||
        read_double_attr(f, "epoch", &s->epoch) || read_double_attr(f, "seconds", &s->seconds))
        return -1;
    if (step < 0 || target < 0) {
        ffvae_error("%s: step %lld / target %lld out of range", f->path, step, target);
        return -1;
    }
    s->step = (long)step;
    s->target_steps = (long)target;
    s->seed = (uint64_t)seed;
    uint64_t rng[2];
    size_t two = 2;
    if (h5_read(f, "/rng", H5_U64, 1, &two, rng) != 0)
        return -1;
    s->rng.state = rng[0];
    s->rng.inc = rng[1];
    if (read_log(f, s) != 0) {
        train_state_free(s);
        return -1;
    }
    return 0;
}

/* Opens path and checks it is a checkpoint of a version this program reads. */
static int open_checkpoint(H5File *f, const char *path)
{
    if (h5f_open(f, path) != 0)
        return -1;
    char format[64];
    long long version = 0;
    /* The version (an integer) first: only version 1 wrote variable-length strings. */
    int has_version = h5_attr_exists(f, "/", "version");
    if (has_version && h5_get_attr_i64(f, "/", "version", &version) != 0) {
        h5f_close(f);
        return -1;
    }
    f->vlen_strings = !has_version || version == 1;
    if (!h5_exists(f, "/") || h5_get_attr_str(f, "/", "format", format, sizeof format) != 0) {
        ffvae_error("%s: not an ffvae checkpoint (no 'format' attribute on /)", path);
        h5f_close(f);
        return -1;
    }
    if (strcmp(format, CHECKPOINT_FORMAT) != 0) {
        ffvae_error("%s: not an ffvae checkpoint (format is '%s', expected '%s')", path, format,
                    CHECKPOINT_FORMAT);
        h5f_close(f);
        return -1;
    }
    if (!has_version || version < 1 || version > CHECKPOINT_VERSION) {
        if (has_version)
            ffvae_error("%s: checkpoint version %lld, this program reads versions 1 to %d", path,
                        version, CHECKPOINT_VERSION);
        else
            ffvae_error("%s: not an ffvae checkpoint (no 'version' attribute on /)", path);
        h5f_close(f);
        return -1;
    }
    return 0;
}

static int read_model(H5File *f, Model *m)
{
    char *text = h5_read_text(f, "/config");
    if (!text)
        return -1;
    ModelConfig cfg;
    char origin[4200];
    snprintf(origin, sizeof origin, "%s:/config", f->path);
    int rc = config_parse(&cfg, text, origin);
    free(text);
    if (rc != 0 || model_create(m, &cfg) != 0)
        return -1;
    rc = transfer_arrays(f, m, READ_ARRAYS);
    /* A damaged file can hold NaN that HDF5 reads without complaint. */
    for (size_t i = 0; i < m->table.total && rc == 0; i++)
        if (!isfinite(m->params[i])) {
            ffvae_error("%s: /params holds a non-finite value", f->path);
            rc = -1;
        }
    if (rc != 0)
        model_free(m);
    return rc;
}

static int load_checkpoint(const char *path, Model *m, TrainState *s);

/* The child's run of the loader (h5check.h): everything, then drop it. */
static int check_checkpoint(const char *path, void *arg)
{
    (void)arg;
    Model m;
    TrainState s;
    int rc = load_checkpoint(path, &m, &s);
    if (rc == 0) {
        train_state_free(&s);
        model_free(&m);
    }
    return rc;
}

int checkpoint_load(const char *path, Model *m, TrainState *s)
{
    if (h5check_run(path, check_checkpoint, NULL) != 0)
        return -1;
    return load_checkpoint(path, m, s);
}

static int load_checkpoint(const char *path, Model *m, TrainState *s)
{
    H5File f;
    if (open_checkpoint(&f, path) != 0)
        return -1;
    int rc = read_model(&f, m);
    /* Weights are fp32 whatever the training precision: where bf16 cannot
     * run, a model loaded for use (no training state) runs in fp32. */
    if (rc == 0 && !s && m->cfg.precision == PRECISION_BF16 && !bf16_usable())
        m->cfg.precision = PRECISION_FP32;
    if (rc == 0 && s && read_state(&f, s) != 0) {
        model_free(m);
        rc = -1;
    }
    /* Older checkpoints have no "sample"; when present it must be step · batch. */
    long long sample;
    if (rc == 0 && s && h5_attr_exists(&f, "/", "sample") &&
        (h5_get_attr_i64(&f, "/", "sample", &sample) != 0 ||
         sample != (long long)s->step * m->cfg.batch)) {
        ffvae_error("%s: attribute sample is not step %ld x batch %d", path, s->step,
                    m->cfg.batch);
        train_state_free(s);
        model_free(m);
        rc = -1;
    }
    h5f_close(&f);
    return rc;
}
