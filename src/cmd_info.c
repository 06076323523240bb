/* cmd_info.c - `ffvae info FILE.h5`: summarises a dataset or a checkpoint,
 * chosen by the root "format" attribute. */
#include "checkpoint.h"
#include "commands.h"
#include "dataset.h"
#include "h5util.h"
#include "util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

const char cmd_info_usage[] =
    "usage: ffvae info FILE.h5\n"
    "\n"
    "Summarises an ffvae file. For a dataset: its name and source, each split's\n"
    "image count and shape, and the number of images per label.\n";

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

static int dataset_info(const char *path)
{
    Dataset d;
    if (dataset_load(&d, path) != 0)
        return 1;
    printf("file:    %s\n", path);
    printf("format:  %s (version %d)\n", DATASET_FORMAT, DATASET_VERSION);
    printf("name:    %s\n", d.name);
    printf("source:  %s\n", d.source);
    printf("train:   %d images of %dx%dx%d\n", d.train.n, d.train.h, d.train.w, d.train.c);
    printf("test:    %d images of %dx%dx%d\n", d.test.n, d.test.h, d.test.w, d.test.c);

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
        return 1;
    }
    count_labels(&d.train, train, n_labels);
    count_labels(&d.test, test, n_labels);
    printf("labels:  %d\n", n_labels);
    printf("  %5s %7s %7s  %s\n", "label", "train", "test", "name");
    for (int l = -1; l < n_labels; l++) {
        if (l == -1 && train[0] == 0 && test[0] == 0)
            continue;
        const char *name = l == -1 ? "(unlabelled)" : l < d.n_label_names ? d.label_names[l] : "";
        printf("  %5d %7ld %7ld  %s\n", l, train[l + 1], test[l + 1], name);
    }
    free(train);
    free(test);
    dataset_free(&d);
    return 0;
}

/* The root "format" attribute, or -1 after saying the file is not ours. */
static int read_format(const char *path, char *format, size_t size)
{
    H5File f;
    if (h5f_open(&f, path) != 0)
        return -1;
    int rc = -1;
    if (!h5_attr_exists(&f, "/", "format"))
        ffvae_error("%s: not an ffvae dataset or checkpoint (no 'format' attribute on /)", path);
    else if (h5_get_attr_str(&f, "/", "format", format, size) == 0)
        rc = 0;
    h5f_close(&f);
    return rc;
}

int cmd_info(int argc, char **argv)
{
    static const struct option options[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    char format[256];
    optind = 1; /* argv[0] is "info" */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            fputs(cmd_info_usage, stdout);
            return 0;
        }
        fprintf(stderr, "ffvae: info: unknown option '%s' (see 'ffvae help info')\n",
                optopt ? (char[]){'-', (char)optopt, '\0'} : argv[optind - 1]);
        return 2;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "ffvae: info: expected one FILE.h5 (see 'ffvae help info')\n");
        return 2;
    }
    const char *path = argv[optind];
    if (read_format(path, format, sizeof format) != 0)
        return 1;
    if (strcmp(format, DATASET_FORMAT) == 0)
        return dataset_info(path);
    if (strcmp(format, CHECKPOINT_FORMAT) == 0)
        return checkpoint_info(path) == 0 ? 0 : 1;
    ffvae_error("%s: not an ffvae dataset or checkpoint (format is '%s')", path, format);
    return 1;
}
