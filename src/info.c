/* info.c - plain-text summaries of ffvae's files (info.h). */
#include "info.h"

#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "dataset.h"
#include "encoding.h"
#include "h5check.h"
#include "h5util.h"
#include "util.h"

/* Images per label in a split; index 0 counts the unlabelled (-1). */
static void count_labels(const Split *s, long *counts, int n_labels)
{
    for (int i = 0; i < s->n; i++) {
        int l = s->labels[i];
        if (l >= -1 && l < n_labels)
            counts[l + 1]++;
    }
}

static int max_label(const Split *s)
{
    int m = -1;
    for (int i = 0; i < s->n; i++)
        if (s->labels[i] > m)
            m = s->labels[i];
    return m;
}

int dataset_info(FILE *out, const char *path)
{
    Dataset d;
    if (dataset_load(&d, path) != 0)
        return -1;
    fprintf(out, "file:    %s\n", path);
    fprintf(out, "format:  %s (version %d)\n", DATASET_FORMAT, d.version);
    fprintf(out, "name:    %s\n", d.name);
    fprintf(out, "source:  %s\n", d.source);
    fprintf(out, "train:   %d images of %dx%dx%d\n", d.train.n, d.train.h, d.train.w, d.train.c);
    fprintf(out, "test:    %d images of %dx%dx%d\n", d.test.n, d.test.h, d.test.w, d.test.c);
    if (d.n_faces > 0)
        fprintf(out, "faces:   %d (the images' sources: /faces, /train/faces, /test/faces)\n",
                d.n_faces);

    int n_labels = d.n_label_names;
    int m = max_label(&d.train) > max_label(&d.test) ? max_label(&d.train) : max_label(&d.test);
    if (m + 1 > n_labels)
        n_labels = m + 1;
    long *train = checked_calloc((size_t)n_labels + 1, sizeof(long), "label counts");
    long *test = checked_calloc((size_t)n_labels + 1, sizeof(long), "label counts");
    if (!train || !test) {
        free(train);
        free(test);
        dataset_free(&d);
        return -1;
    }
    count_labels(&d.train, train, n_labels);
    count_labels(&d.test, test, n_labels);
    fprintf(out, "labels:  %d\n", n_labels);
    fprintf(out, "  %5s %7s %7s  %s\n", "label", "train", "test", "name");
    for (int l = -1; l < n_labels; l++) {
        if (l == -1 && train[0] == 0 && test[0] == 0)
            continue;
        const char *name = l == -1 ? "(unlabelled)" : l < d.n_label_names ? d.label_names[l] : "";
        fprintf(out, "  %5d %7ld %7ld  %s\n", l, train[l + 1], test[l + 1], name);
    }
    free(train);
    free(test);
    dataset_free(&d);
    return 0;
}

static int read_format(const char *path, char *format, size_t size)
{
    H5File f;
    if (h5f_open(&f, path) != 0)
        return -1;
    int rc = -1;
    long long version = 0;
    /* ffvae's version >= 2 files hold only fixed-length strings (dataset.h). */
    if (h5_attr_exists(&f, "/", "version") && h5_get_attr_i64(&f, "/", "version", &version) == 0)
        f.vlen_strings = version < 2;
    if (!h5_attr_exists(&f, "/", "format"))
        ffvae_error("%s: not an ffvae dataset or checkpoint (no 'format' attribute on /)", path);
    else if (h5_get_attr_str(&f, "/", "format", format, size) == 0)
        rc = 0;
    h5f_close(&f);
    return rc;
}

/* The child's run (h5check.h): reading the format attribute is where some
 * damaged files crash libhdf5 already. */
static int check_format(const char *path, void *arg)
{
    (void)arg;
    char format[256];
    return read_format(path, format, sizeof format);
}

/* The root "format" attribute, or -1 after saying the file is not ours. */
int file_format(const char *path, char *format, size_t size)
{
    if (h5check_run(path, check_format, NULL) != 0)
        return -1;
    return read_format(path, format, size);
}

int checkpoint_info(FILE *out, const char *path)
{
    Model m;
    TrainState s;
    if (checkpoint_load(path, &m, &s) != 0)
        return -1;
    const ModelConfig *c = &m.cfg;
    fprintf(out, "checkpoint  %s\n", path);
    fprintf(out, "model       %s%s%s\n", c->name, c->description[0] ? ": " : "", c->description);
    fprintf(out, "data        %dx%dx%d images, dataset '%s'\n", c->height, c->width, c->channels,
           s.dataset);
    fprintf(out, "latent      %d, beta %g, %s likelihood\n", c->latent, c->beta,
           c->likelihood == LIKELIHOOD_GAUSSIAN ? "gaussian" : "bernoulli");
    if (c->decoder == DECODER_COORD)
        fprintf(out, "decoder     coord: encoding %s (%d inputs), %d x %d %s, conditioning %s\n",
               encoding_name(c->encoding), m.E, c->net_depth, c->net_width,
               activation_name(c->activation), c->conditioning == COND_FILM ? "film" : "input");
    else if (c->decoder == DECODER_CONV)
        fprintf(out, "decoder     conv: z -> %dx%dx%d start map, %d transposed convolutions "
                     "(kernel %d, stride %d), %s\n",
               m.dec_conv[0].h, m.dec_conv[0].w, m.dec_conv[0].c, c->net_depth, CONV_KERNEL,
               CONV_STRIDE, activation_name(c->activation));
    else
        fprintf(out, "decoder     dense: %d x %d %s\n", c->net_depth, c->net_width,
               activation_name(c->activation));
    if (m.n_enc_conv)
        fprintf(out, "encoder     conv: %d convolutions (kernel %d, stride %d), %d channels "
                     "doubling to a %dx%dx%d map\n",
               m.n_enc_conv, CONV_KERNEL, CONV_STRIDE, c->enc_channels,
               m.enc_conv[m.n_enc_conv - 1].h, m.enc_conv[m.n_enc_conv - 1].w,
               m.enc_conv[m.n_enc_conv - 1].c);
    fprintf(out, "parameters  %zu\n", model_param_count(&m));
    fprintf(out, "step        %ld of %ld (epoch %.3f, %.1f s of training)\n", s.step, s.target_steps,
           s.epoch, s.seconds);
    if (s.n_log > 0) {
        const LogRow *r = &s.log[s.n_log - 1];
        fprintf(out, "last loss   %.4f (reconstruction %.4f, KL %.4f) at step %ld\n", r->loss, r->recon,
               r->kl, r->step);
    }
    train_state_free(&s);
    model_free(&m);
    return 0;
}

int file_info(FILE *out, const char *path)
{
    char format[256];
    if (file_format(path, format, sizeof format) != 0)
        return -1;
    if (strcmp(format, DATASET_FORMAT) == 0)
        return dataset_info(out, path);
    if (strcmp(format, CHECKPOINT_FORMAT) == 0)
        return checkpoint_info(out, path);
    ffvae_error("%s: not an ffvae dataset or checkpoint (format is '%s')", path, format);
    return -1;
}
