/* classifier.c - trains, stores and applies the feature classifier
 * (classifier.h).
 *
 * Why an MLP over the pixels and not a CNN: the library's dense and ReLU
 * layers are gradient-checked and fast (one SGEMM per layer), an MLP of
 * 784-256-128-10 reaches about 89% on Fashion-MNIST in a few epochs, and
 * anyone can recompute its features with h5py and numpy in three lines
 * (README). A feature space only has to be fixed, in-domain and sensitive to
 * what the classes look like; it does not have to be state of the art. */
#include "classifier.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "dataset.h"
#include "h5util.h"
#include "layers.h"
#include "parallel.h"
#include "rng.h"
#include "sizes.h"
#include "util.h"

#ifndef M_PI /* not in strict ISO C */
#define M_PI 3.14159265358979323846
#endif

/* Images a forward pass handles at once when only features are wanted. */
#define FEATURE_BATCH 256

enum { T_FC1_W, T_FC1_B, T_FC2_W, T_FC2_B, T_OUT_W, T_OUT_B, N_TENSORS };
static const char *const tensor_names[N_TENSORS] = {"fc1.W", "fc1.b", "fc2.W",
                                                    "fc2.b", "out.W", "out.b"};

static float *param(const Classifier *c, int t)
{
    return c->params + c->tab.t[t].offset;
}

/* Lays out the table from the sizes and allocates the parameters (zeroed). */
static int classifier_alloc(Classifier *c)
{
    const int rows[N_TENSORS] = {c->in, 1, c->hidden, 1, c->features, 1};
    const int cols[N_TENSORS] = {c->hidden, c->hidden, c->features, c->features, c->classes,
                                 c->classes};
    table_init(&c->tab);
    for (int t = 0; t < N_TENSORS; t++)
        if (table_add(&c->tab, tensor_names[t], (size_t)rows[t], (size_t)cols[t]) != t)
            return -1;
    c->params = checked_calloc(c->tab.total, sizeof *c->params, "classifier parameters");
    return c->params ? 0 : -1;
}

void classifier_free(Classifier *c)
{
    free(c->params);
    c->params = NULL;
}

/* ---- forward / backward over a batch ------------------------------------- */

/* Activations of one batch of B images, laid out by the caller. */
typedef struct {
    float *x;      /* [B, in] */
    float *h1;     /* [B, hidden] after ReLU */
    float *f;      /* [B, features] pre-activation: the features */
    float *a2;     /* [B, features] relu(f) */
    float *logits; /* [B, classes], then softmax probabilities */
} Acts;

static void forward(const Classifier *c, const Acts *a, int B)
{
    dense_forward(a->h1, a->x, param(c, T_FC1_W), param(c, T_FC1_B), B, c->in, c->hidden);
    relu_forward(a->h1, a->h1, (size_t)B * c->hidden);
    dense_forward(a->f, a->h1, param(c, T_FC2_W), param(c, T_FC2_B), B, c->hidden, c->features);
    if (a->a2) {
        relu_forward(a->a2, a->f, (size_t)B * c->features);
        dense_forward(a->logits, a->a2, param(c, T_OUT_W), param(c, T_OUT_B), B, c->features,
                      c->classes);
    }
}

/* Softmax cross-entropy: returns Σ_b −log p[b, y_b] and turns logits into
 * dlogits = (p − onehot(y)) · scale in place. */
static double softmax_xent(float *logits, const int32_t *y, int B, int K, float scale,
                           int *correct)
{
    double loss = 0;
    for (int b = 0; b < B; b++) {
        float *l = logits + (size_t)b * K;
        int arg = 0;
        float mx = l[0];
        for (int k = 1; k < K; k++)
            if (l[k] > mx)
                mx = l[k], arg = k;
        *correct += arg == y[b];
        double sum = 0;
        for (int k = 0; k < K; k++)
            sum += exp((double)l[k] - mx);
        loss += log(sum) - ((double)l[y[b]] - mx);
        for (int k = 0; k < K; k++)
            l[k] = (float)(exp((double)l[k] - mx) / sum) * scale;
        l[y[b]] -= scale;
    }
    return loss;
}

static void backward(const Classifier *c, float *grads, const Acts *a, float *dh1, float *df,
                     int B)
{
#define GRAD(k) (grads + c->tab.t[k].offset)
    /* logits holds dlogits */
    dense_backward(df, GRAD(T_OUT_W), GRAD(T_OUT_B), a->logits, a->a2, param(c, T_OUT_W), B,
                   c->features, c->classes);
    relu_backward(df, df, a->a2, (size_t)B * c->features);
    dense_backward(dh1, GRAD(T_FC2_W), GRAD(T_FC2_B), df, a->h1, param(c, T_FC2_W), B, c->hidden,
                   c->features);
    relu_backward(dh1, dh1, a->h1, (size_t)B * c->hidden);
    dense_backward(NULL, GRAD(T_FC1_W), GRAD(T_FC1_B), dh1, a->x, param(c, T_FC1_W), B, c->in,
                   c->hidden);
#undef GRAD
}

static void load_u8(float *x, const uint8_t *images, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = images[i] / 255.0f;
}

/* Share of split s classified right, in batches through a (B rows). */
static double accuracy(const Classifier *c, const Acts *a, int B, const Split *s)
{
    long right = 0;
    for (int first = 0; first < s->n; first += B) {
        int nb = s->n - first < B ? s->n - first : B;
        load_u8(a->x, s->images + (size_t)first * c->in, (size_t)nb * c->in);
        forward(c, a, nb);
        for (int b = 0; b < nb; b++) {
            const float *l = a->logits + (size_t)b * c->classes;
            int arg = 0;
            for (int k = 1; k < c->classes; k++)
                if (l[k] > l[arg])
                    arg = k;
            right += arg == s->labels[first + b];
        }
    }
    return s->n ? (double)right / s->n : NAN;
}

/* Rescales the stored network so that the features' mean square over the
 * training images is 1 per dimension: fc2 is divided by s and out.W
 * multiplied by s, which leaves the logits unchanged (relu(f / s) s = relu(f)).
 * Features of that size keep KID's kernel (xᵀy / d + 1)³ near its linear
 * range, as for Inception's features; without it the cube of an O(4)
 * inner product makes KID mostly noise. */
static void normalise_features(Classifier *c, const Acts *a, int B, const Split *s, int n)
{
    double ss = 0;
    for (int first = 0; first < n; first += B) {
        int nb = n - first < B ? n - first : B;
        load_u8(a->x, s->images + (size_t)first * c->in, (size_t)nb * c->in);
        Acts f = *a;
        f.a2 = NULL; /* features only */
        forward(c, &f, nb);
        for (size_t i = 0; i < (size_t)nb * c->features; i++)
            ss += (double)a->f[i] * a->f[i];
    }
    double scale = sqrt(ss / ((double)n * c->features));
    if (!(scale > 0) || !isfinite(scale))
        return;
    float *w2 = param(c, T_FC2_W), *b2 = param(c, T_FC2_B), *wo = param(c, T_OUT_W);
    for (size_t i = 0; i < tensor_size(&c->tab.t[T_FC2_W]); i++)
        w2[i] = (float)(w2[i] / scale);
    for (int i = 0; i < c->features; i++)
        b2[i] = (float)(b2[i] / scale);
    for (size_t i = 0; i < tensor_size(&c->tab.t[T_OUT_W]); i++)
        wo[i] = (float)(wo[i] * scale);
}

/* The training labels must be 0 .. K − 1, every test label too. */
static int count_classes(const Dataset *ds, const char *path, int n_train)
{
    int K = 0;
    for (int i = 0; i < n_train; i++) {
        int l = ds->train.labels[i];
        if (l < 0) {
            ffvae_error("%s: /train/labels: image %d is unlabelled (-1): a classifier needs "
                        "every training image labelled",
                        path, i);
            return -1;
        }
        if (l + 1 > K)
            K = l + 1;
    }
    for (int i = 0; i < ds->test.n; i++)
        if (ds->test.labels[i] < 0 || ds->test.labels[i] >= K) {
            ffvae_error("%s: /test/labels: label %d of image %d is not one of the %d training "
                        "classes",
                        path, (int)ds->test.labels[i], i, K);
            return -1;
        }
    if (K < 2) {
        ffvae_error("%s: the training labels hold %d class; a classifier needs at least 2", path,
                    K);
        return -1;
    }
    return K;
}

int classifier_train(Classifier *c, const ClassifierOptions *o)
{
    memset(c, 0, sizeof *c);
    Dataset ds;
    if (output_check(o->out_path) != 0 || dataset_load(&ds, o->data_path) != 0)
        return -1;
    int n = o->limit > 0 && o->limit < ds.train.n ? o->limit : ds.train.n;
    int K = count_classes(&ds, o->data_path, n), rc = -1;
    const int B = CLASSIFIER_BATCH;
    float *buf = NULL, *grads = NULL, *m = NULL, *v = NULL;
    int32_t *order = NULL;
    if (K < 0 || threads_use(o->threads) < 0)
        goto done;
    if (ds.test.n < 1) {
        ffvae_error("%s: the test split is empty: nothing to measure the classifier on",
                    o->data_path);
        goto done;
    }
    snprintf(c->dataset, sizeof c->dataset, "%s", ds.name);
    c->H = ds.train.h, c->W = ds.train.w, c->C = ds.train.c;
    c->in = c->H * c->W * c->C;
    c->hidden = o->hidden > 0 ? o->hidden : CLASSIFIER_HIDDEN;
    c->features = o->features > 0 ? o->features : CLASSIFIER_FEATURES;
    c->classes = K;
    c->epochs = o->epochs > 0 ? o->epochs : CLASSIFIER_EPOCHS;
    c->seed = o->seed;
    if (classifier_alloc(c) != 0)
        goto done;
    size_t P = c->tab.total;
    size_t per = (size_t)c->in + 2 * (size_t)c->hidden + 3 * (size_t)c->features +
                 (size_t)c->classes; /* x, h1, dh1, f, a2, df, logits */
    buf = checked_malloc((size_t)B * per, sizeof *buf, "classifier activations");
    grads = checked_malloc(3 * P, sizeof *grads, "classifier gradients and Adam moments");
    order = checked_malloc((size_t)n, sizeof *order, "training order");
    if (!buf || !grads || !order)
        goto done;
    m = grads + P, v = m + P;
    memset(m, 0, 2 * P * sizeof *m);
    Acts a = {.x = buf};
    a.h1 = a.x + (size_t)B * c->in;
    float *dh1 = a.h1 + (size_t)B * c->hidden;
    a.f = dh1 + (size_t)B * c->hidden;
    a.a2 = a.f + (size_t)B * c->features;
    float *df = a.a2 + (size_t)B * c->features;
    a.logits = df + (size_t)B * c->features;

    /* He initialisation for the ReLU layers, zero biases; the stream of the
     * seed alone, so the same seed gives the same network. */
    Rng init, shuffle;
    rng_seed(&init, o->seed, 1);
    rng_seed(&shuffle, o->seed, 2);
    const int fan_in[N_TENSORS] = {c->in, 0, c->hidden, 0, c->features, 0};
    for (int t = 0; t < N_TENSORS; t += 2) {
        float *w = param(c, t), sd = sqrtf(2.0f / (float)fan_in[t]);
        size_t cnt = tensor_size(&c->tab.t[t]);
        rng_normal_fill(&init, w, (long)cnt);
        for (size_t i = 0; i < cnt; i++)
            w[i] *= sd;
    }
    for (int i = 0; i < n; i++)
        order[i] = i;
    /* Cosine decay of the learning rate from 1e-3 to 0 over the run: the
     * last epochs settle instead of bouncing (worth about 1% test accuracy). */
    AdamSettings adam = {.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .epsilon = 1e-8f,
                               .weight_decay = 0, .clip = 0};
    long t = 0, total_steps = (long)c->epochs * (n / B);
    double start = now_seconds();
    for (int e = 1; e <= c->epochs; e++) {
        rng_shuffle(&shuffle, order, n);
        double loss = 0;
        int correct = 0, seen = 0;
        /* Full batches only (the last partial batch is dropped, a different
         * one each epoch). */
        for (int first = 0; first + B <= n; first += B) {
            for (int b = 0; b < B; b++)
                load_u8(a.x + (size_t)b * c->in,
                        ds.train.images + (size_t)order[first + b] * c->in, (size_t)c->in);
            int32_t y[CLASSIFIER_BATCH];
            for (int b = 0; b < B; b++)
                y[b] = ds.train.labels[order[first + b]];
            forward(c, &a, B);
            loss += softmax_xent(a.logits, y, B, K, 1.0f / B, &correct);
            seen += B;
            memset(grads, 0, P * sizeof *grads);
            backward(c, grads, &a, dh1, df, B);
            adam.lr = (float)(0.5e-3 * (1 + cos(M_PI * (double)t / (double)total_steps)));
            adam_step(c->params, grads, m, v, P, &adam, ++t);
        }
        if (seen == 0) {
            ffvae_error("%s: %d training images, fewer than one batch of %d", o->data_path, n,
                        B);
            goto done;
        }
        report_line(o->report, "epoch %d/%ld  loss %.4f  train accuracy %.4f  (%.1f s)", e,
                    c->epochs, loss / seen, (double)correct / seen, now_seconds() - start);
    }
    normalise_features(c, &a, B, &ds.train, n);
    c->test_accuracy = accuracy(c, &a, B, &ds.test);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", o->out_path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        if (dir[0] && make_dirs(dir) != 0)
            goto done;
    }
    rc = classifier_save(c, o->out_path);
done:
    free(buf);
    free(grads);
    free(order);
    dataset_free(&ds);
    if (rc != 0)
        classifier_free(c);
    return rc;
}

/* ---- the file ------------------------------------------------------------- */

int classifier_save(const Classifier *c, const char *path)
{
    OutputFile out;
    H5File f;
    if (output_begin(&out, path, 1) != 0)
        return -1;
    if (h5f_create(&f, out.tmp_path) != 0) {
        output_abort(&out);
        return -1;
    }
    int bad = h5_set_attr_str(&f, "/", "format", CLASSIFIER_FORMAT) ||
              h5_set_attr_i64(&f, "/", "version", CLASSIFIER_VERSION) ||
              h5_set_attr_str(&f, "/", "dataset", c->dataset) ||
              h5_set_attr_i64(&f, "/", "height", c->H) || h5_set_attr_i64(&f, "/", "width", c->W) ||
              h5_set_attr_i64(&f, "/", "channels", c->C) ||
              h5_set_attr_i64(&f, "/", "classes", c->classes) ||
              h5_set_attr_i64(&f, "/", "hidden", c->hidden) ||
              h5_set_attr_i64(&f, "/", "features", c->features) ||
              h5_set_attr_str(&f, "/", "feature_layer", CLASSIFIER_FEATURE_LAYER) ||
              h5_set_attr_i64(&f, "/", "epochs", c->epochs) ||
              h5_set_attr_i64(&f, "/", "seed", (long long)c->seed);
    for (int t = 0; t < N_TENSORS && !bad; t++) {
        char obj[64];
        snprintf(obj, sizeof obj, "/params/%s", tensor_names[t]);
        size_t dims[2] = {(size_t)c->tab.t[t].rows, (size_t)c->tab.t[t].cols};
        bad = h5_write(&f, obj, H5_F32, 2, dims, param(c, t), 0) != 0;
    }
    float acc = (float)c->test_accuracy;
    size_t one = 1;
    bad = bad || h5_write(&f, "/test_accuracy", H5_F32, 1, &one, &acc, 0) != 0;
    if (h5f_close(&f) != 0 || bad) {
        output_abort(&out);
        return -1;
    }
    return output_commit(&out);
}

static int get_int(H5File *f, const char *name, int lo, int hi, int *out)
{
    long long v;
    if (h5_get_attr_i64(f, "/", name, &v) != 0)
        return -1;
    if (v < lo || v > hi) {
        ffvae_error("%s: attribute %s = %lld is out of range (%d to %d)", f->path, name, v, lo,
                    hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int classifier_load(Classifier *c, const char *path)
{
    memset(c, 0, sizeof *c);
    H5File f;
    if (h5f_open(&f, path) != 0)
        return -1;
    char format[64] = "", layer[64] = "";
    long long version = 0, epochs = 0, seed = 0;
    int rc = -1;
    if (!h5_attr_exists(&f, "/", "format") ||
        h5_get_attr_str(&f, "/", "format", format, sizeof format) != 0 ||
        strcmp(format, CLASSIFIER_FORMAT) != 0) {
        ffvae_error("%s: not an ffvae classifier (format is '%s', expected '%s'; make one with "
                    "'ffvae classifier')",
                    path, format, CLASSIFIER_FORMAT);
        goto done;
    }
    if (h5_get_attr_i64(&f, "/", "version", &version) != 0)
        goto done;
    if (version != CLASSIFIER_VERSION) {
        ffvae_error("%s: classifier version %lld, this program reads version %d", path, version,
                    CLASSIFIER_VERSION);
        goto done;
    }
    if (h5_get_attr_str(&f, "/", "dataset", c->dataset, sizeof c->dataset) != 0 ||
        h5_get_attr_str(&f, "/", "feature_layer", layer, sizeof layer) != 0 ||
        get_int(&f, "height", 1, 1 << 16, &c->H) || get_int(&f, "width", 1, 1 << 16, &c->W) ||
        get_int(&f, "channels", 1, 4, &c->C) || get_int(&f, "classes", 2, 1 << 20, &c->classes) ||
        get_int(&f, "hidden", 1, MAX_LAYER_WIDTH, &c->hidden) ||
        get_int(&f, "features", 1, MAX_LAYER_WIDTH, &c->features) ||
        h5_get_attr_i64(&f, "/", "epochs", &epochs) || h5_get_attr_i64(&f, "/", "seed", &seed))
        goto done;
    if (strcmp(layer, CLASSIFIER_FEATURE_LAYER) != 0) {
        ffvae_error("%s: feature layer '%s', this program computes '%s'", path, layer,
                    CLASSIFIER_FEATURE_LAYER);
        goto done;
    }
    if ((long long)c->H * c->W * c->C > (1 << 26)) {
        ffvae_error("%s: images of %dx%dx%d are too large", path, c->H, c->W, c->C);
        goto done;
    }
    c->in = c->H * c->W * c->C;
    c->epochs = (long)epochs;
    c->seed = (uint64_t)seed;
    if (classifier_alloc(c) != 0)
        goto done;
    for (int t = 0; t < N_TENSORS; t++) {
        char obj[64];
        snprintf(obj, sizeof obj, "/params/%s", tensor_names[t]);
        size_t dims[2] = {(size_t)c->tab.t[t].rows, (size_t)c->tab.t[t].cols};
        if (h5_read(&f, obj, H5_F32, 2, dims, param(c, t)) != 0)
            goto done;
    }
    float acc;
    size_t one = 1;
    if (h5_read(&f, "/test_accuracy", H5_F32, 1, &one, &acc) != 0)
        goto done;
    c->test_accuracy = acc;
    rc = 0;
done:
    h5f_close(&f);
    if (rc != 0)
        classifier_free(c);
    return rc;
}

int classifier_check(const Classifier *c, const char *path, const char *what, const char *name,
                     int H, int W, int C)
{
    int name_differs = name && name[0] && strcmp(name, c->dataset) != 0;
    if (H != c->H || W != c->W || C != c->C || name_differs) {
        ffvae_error("%s: a classifier of '%s' (%dx%dx%d images) cannot score %s: '%s', %dx%dx%d "
                    "images (make one for it with 'ffvae classifier -d DATA')",
                    path, c->dataset, c->H, c->W, c->C, what, name && name[0] ? name : "?", H, W,
                    C);
        return -1;
    }
    return 0;
}

/* Features of n images in batches, from u8 (read as v / 255) or f32. */
static int features_of(const Classifier *c, double *feat, int n, const uint8_t *u8,
                       const float *f32)
{
    int B = FEATURE_BATCH;
    size_t per = (size_t)c->in + c->hidden + c->features;
    float *buf = checked_malloc((size_t)B * per, sizeof *buf, "feature activations");
    if (!buf)
        return -1;
    Acts a = {.x = buf};
    a.h1 = a.x + (size_t)B * c->in;
    a.f = a.h1 + (size_t)B * c->hidden;
    for (int first = 0; first < n; first += B) {
        int nb = n - first < B ? n - first : B;
        size_t cnt = (size_t)nb * c->in, off = (size_t)first * c->in;
        if (u8)
            load_u8(a.x, u8 + off, cnt);
        else
            memcpy(a.x, f32 + off, cnt * sizeof *a.x);
        forward(c, &a, nb);
        for (size_t i = 0; i < (size_t)nb * c->features; i++)
            feat[(size_t)first * c->features + i] = a.f[i];
    }
    free(buf);
    return 0;
}

int classifier_features_u8(const Classifier *c, double *feat, const uint8_t *images, int n)
{
    return features_of(c, feat, n, images, NULL);
}

int classifier_features_f32(const Classifier *c, double *feat, const float *images, int n)
{
    return features_of(c, feat, n, NULL, images);
}

int classifier_default_path(char *buf, size_t size, const char *dataset_name)
{
    int k = snprintf(buf, size, "%s/%s.h5", CLASSIFIER_DEFAULT_DIR, dataset_name);
    if (k < 0 || (size_t)k >= size) {
        ffvae_error("classifier path for dataset '%s' is too long", dataset_name);
        return -1;
    }
    return 0;
}
