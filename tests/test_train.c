/* test_train.c - train_run as a library call: quiet with no Reporter (nothing
 * on stdout or stderr), its lines through a Reporter when given one (plain
 * rows without a live line, the live line instead of them), and a stop
 * request honoured at the next step with the checkpoint saved. */
#include "checkpoint.h"
#include "dataset.h"
#include "progress.h"
#include "rng.h"
#include "train.h"

#include "check_run.h"
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A budget of 12 steps with the fixture's log_every 5 and checkpoint_every
 * 10: log rows at steps 5, 10 and 12, checkpoints at 10 and 12. */
#define STEPS 12
#define ROWS 3

static char tmp[256], data[320], run[320];

/* 64 train and 8 test images of uniform noise, 28x28x1 as the fixture expects:
 * enough for two batches of 32, and nothing to download. */
static void write_dataset(const char *path)
{
    enum { N_TRAIN = 64, N_TEST = 8, PIXELS = 28 * 28 };
    static uint8_t images[(N_TRAIN + N_TEST) * PIXELS];
    static int32_t labels[N_TRAIN + N_TEST];
    Rng r;
    rng_seed(&r, 11, 0);
    for (size_t i = 0; i < sizeof images; i++)
        images[i] = (uint8_t)rng_below(&r, 256);
    Dataset ds;
    memset(&ds, 0, sizeof ds);
    snprintf(ds.name, sizeof ds.name, "noise");
    ds.train = (Split){.n = N_TRAIN, .h = 28, .w = 28, .c = 1, .images = images, .labels = labels};
    ds.test = (Split){.n = N_TEST, .h = 28, .w = 28, .c = 1, .images = images + N_TRAIN * PIXELS,
                      .labels = labels + N_TRAIN};
    ck_assert_int_eq(dataset_write(&ds, path, 1), 0);
}

static void setup(void)
{
    snprintf(tmp, sizeof tmp, "%s/ffvae-train-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    snprintf(data, sizeof data, "%s/noise.h5", tmp);
    snprintf(run, sizeof run, "%s/run", tmp);
    write_dataset(data);
}

/* Removes the files of dir, then dir (the test makes no deeper trees). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[600];
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
    rmdir(dir);
}

static void teardown(void)
{
    remove_dir(run);
    remove_dir(tmp);
}

static TrainOptions tiny_run(void)
{
    static char model[4096];
    const char *src = getenv("SRCDIR");
    ck_assert_msg(src != NULL && *src, "SRCDIR is not set: run through make check");
    snprintf(model, sizeof model, "%s/tests/fixtures/tiny-fmnist.ini", src);
    TrainOptions o;
    memset(&o, 0, sizeof o);
    o.model_path = model;
    o.data_path = data;
    o.run_dir = run;
    o.steps = STEPS;
    o.seed = 3;
    o.threads = 1;
    return o;
}

/* stdout and stderr sent to files while a call runs, to see what it printed. */
typedef struct {
    int saved[2];
    char path[2][340];
} Capture;

static void capture_begin(Capture *c)
{
    fflush(stdout);
    fflush(stderr);
    for (int k = 0; k < 2; k++) {
        snprintf(c->path[k], sizeof c->path[k], "%s/fd%d.txt", tmp, k + 1);
        int fd = open(c->path[k], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ck_assert_int_ge(fd, 0);
        c->saved[k] = dup(k + 1);
        ck_assert_int_ge(c->saved[k], 0);
        ck_assert_int_ge(dup2(fd, k + 1), 0);
        close(fd);
    }
}

/* Restores both streams; out and err receive what each held (up to size). */
static void capture_end(Capture *c, char *out, char *err, size_t size)
{
    fflush(stdout);
    fflush(stderr);
    char *text[2] = {out, err};
    for (int k = 0; k < 2; k++) {
        ck_assert_int_ge(dup2(c->saved[k], k + 1), 0);
        close(c->saved[k]);
        FILE *f = fopen(c->path[k], "r");
        ck_assert_ptr_nonnull(f);
        size_t n = fread(text[k], 1, size - 1, f);
        text[k][n] = '\0';
        fclose(f);
        unlink(c->path[k]);
    }
}

static long checkpoint_step(void)
{
    char path[400];
    snprintf(path, sizeof path, "%s/checkpoint.h5", run);
    Model m;
    TrainState s;
    ck_assert_int_eq(checkpoint_load(path, &m, &s), 0);
    long step = s.step;
    train_state_free(&s);
    model_free(&m);
    return step;
}

START_TEST(quiet_without_a_reporter)
{
    TrainOptions o = tiny_run();
    Capture c;
    char out[4096], err[4096];
    capture_begin(&c);
    int rc = train_run(&o);
    capture_end(&c, out, err, sizeof out);
    ck_assert_int_eq(rc, 0);
    ck_assert_msg(out[0] == '\0', "train_run printed on stdout: '%s'", out);
    ck_assert_msg(err[0] == '\0', "train_run printed on stderr: '%s'", err);
    ck_assert_int_eq(checkpoint_step(), STEPS);
}
END_TEST

/* A Reporter that keeps what it is given. */
#define MAX_LINES 16
typedef struct {
    char lines[MAX_LINES][512];
    int n_lines;
    int n_status, n_status_ends, ended_last; /* ended_last: the last status call ended it */
    volatile sig_atomic_t *stop_at_first_row; /* set on the first log row, when not NULL */
    int armed, arms, disarms;
} Heard;

static Heard heard;

static void keep_line(void *ctx, const char *text)
{
    Heard *h = ctx;
    ck_assert_int_lt(h->n_lines, MAX_LINES);
    snprintf(h->lines[h->n_lines++], sizeof h->lines[0], "%s", text);
    if (h->stop_at_first_row && strncmp(text, "step ", 5) == 0) {
        ck_assert_msg(h->armed, "a log row came before the stop request was armed");
        *h->stop_at_first_row = 1;
    }
}

static void keep_status(void *ctx, const char *text)
{
    Heard *h = ctx;
    if (text) {
        h->n_status++;
        h->ended_last = 0;
        ck_assert_msg(strncmp(text, "step ", 5) == 0, "status '%s'", text);
    } else {
        h->n_status_ends++;
        h->ended_last = 1;
    }
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

START_TEST(plain_rows_through_a_reporter)
{
    TrainOptions o = tiny_run();
    memset(&heard, 0, sizeof heard);
    Reporter r = {keep_line, NULL, &heard};
    o.report = &r;
    Capture c;
    char out[4096], err[4096];
    capture_begin(&c);
    int rc = train_run(&o);
    capture_end(&c, out, err, sizeof out);
    ck_assert_int_eq(rc, 0);
    ck_assert_msg(out[0] == '\0' && err[0] == '\0', "printed '%s' / '%s'", out, err);
    /* the summary, one row per logged interval, the closing summary */
    ck_assert_int_eq(heard.n_lines, 1 + ROWS + 1);
    ck_assert_msg(starts_with(heard.lines[0], "training tiny-fmnist on "), "%s", heard.lines[0]);
    ck_assert_msg(strstr(heard.lines[0], "steps 0 to 12") != NULL, "%s", heard.lines[0]);
    ck_assert_msg(starts_with(heard.lines[1], "step 5  epoch "), "%s", heard.lines[1]);
    ck_assert_msg(starts_with(heard.lines[2], "step 10  epoch "), "%s", heard.lines[2]);
    ck_assert_msg(starts_with(heard.lines[3], "step 12  epoch "), "%s", heard.lines[3]);
    ck_assert_msg(starts_with(heard.lines[4], "trained 12 steps in "), "%s", heard.lines[4]);
    for (int i = 0; i < heard.n_lines; i++)
        ck_assert_msg(strchr(heard.lines[i], '\n') == NULL, "line %d holds a newline", i);
}
END_TEST

START_TEST(a_live_line_replaces_the_rows)
{
    TrainOptions o = tiny_run();
    memset(&heard, 0, sizeof heard);
    Reporter r = {keep_line, keep_status, &heard};
    o.report = &r;
    ck_assert_int_eq(train_run(&o), 0);
    ck_assert_int_eq(heard.n_lines, 2); /* the two summaries, no rows */
    ck_assert(starts_with(heard.lines[0], "training tiny-fmnist on "));
    ck_assert(starts_with(heard.lines[1], "trained 12 steps in "));
    ck_assert_int_ge(heard.n_status, 2); /* the first step and the last at least */
    ck_assert_int_eq(heard.n_status_ends, 1);
    ck_assert(heard.ended_last);
}
END_TEST

static void count_arm(void)
{
    heard.armed = 1;
    heard.arms++;
}

static void count_disarm(void)
{
    heard.armed = 0;
    heard.disarms++;
}

START_TEST(a_stop_request_saves_and_interrupts)
{
    static volatile sig_atomic_t stop;
    stop = 0;
    TrainOptions o = tiny_run();
    memset(&heard, 0, sizeof heard);
    heard.stop_at_first_row = &stop;
    Reporter r = {keep_line, NULL, &heard};
    StopControl sc = {&stop, count_arm, count_disarm};
    o.report = &r;
    o.stop = &sc;
    o.resume_hint = "try again";
    Capture c;
    char out[4096], err[4096];
    capture_begin(&c);
    int rc = train_run(&o);
    capture_end(&c, out, err, sizeof out);
    ck_assert_int_eq(rc, TRAIN_INTERRUPTED);
    ck_assert_int_eq(train_exit_status(rc), 130);
    ck_assert_int_eq(heard.arms, 1);
    ck_assert_int_eq(heard.disarms, 1);
    ck_assert(!heard.armed);
    /* the request came with step 5's row: the run stops there, saved */
    ck_assert_int_eq(checkpoint_step(), 5);
    ck_assert_msg(out[0] == '\0', "stdout: '%s'", out);
    ck_assert_msg(strstr(err, "ffvae: interrupted at step 5; checkpoint saved in ") != NULL &&
                      strstr(err, "(try again)\n") != NULL,
                  "stderr: '%s'", err);
    ck_assert_int_eq(heard.n_lines, 2); /* the summary and step 5's row; no "trained" */
    /* The same call resumes it to the budget. */
    o.resume = 1;
    o.model_path = NULL;
    stop = 0;
    heard.stop_at_first_row = NULL;
    ck_assert_int_eq(train_run(&o), 0);
    ck_assert_int_eq(checkpoint_step(), STEPS);
}
END_TEST

START_TEST(no_stop_control_never_stops)
{
    TrainOptions o = tiny_run();
    StopControl none = {NULL, NULL, NULL}; /* no flag at all: the same as o.stop NULL */
    o.stop = &none;
    ck_assert_int_eq(train_run(&o), 0);
    ck_assert_int_eq(checkpoint_step(), STEPS);
}
END_TEST

static Suite *train_suite(void)
{
    Suite *s = suite_create("train");
    TCase *t = tcase_create("train_run");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, quiet_without_a_reporter);
    tcase_add_test(t, plain_rows_through_a_reporter);
    tcase_add_test(t, a_live_line_replaces_the_rows);
    tcase_add_test(t, a_stop_request_saves_and_interrupts);
    tcase_add_test(t, no_stop_control_never_stops);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(train_suite());
}
