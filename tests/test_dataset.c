/* test_dataset.c - the HDF5 wrappers, the dataset file and the IDX reader.
 * Files are written to a fresh temporary directory; fixtures are read from
 * $SRCDIR/tests/fixtures (see tests/fixtures/make_fixtures.c). */
#include "dataset.h"
#include "h5util.h"
#include "idx.h"
#include "util.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256]; /* each test's own, made and removed by the fixture */

static void setup(void)
{
    tmpdir_make(tmpdir, sizeof tmpdir, "dataset");
}

static void teardown(void)
{
    tmpdir_remove(tmpdir);
}

static void tmp_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
}

static void fixture(char *buf, size_t size, const char *name)
{
    srcdir_path(buf, size, "tests/fixtures/%s", name);
}

/* Ends stderr_capture_begin's capture, to check what an error message says,
 * and returns what was printed (static buffer), printed again so that the
 * test log still shows it. */
static const char *captured_stderr(void)
{
    static char text[4096];
    stderr_capture_end(text, sizeof text);
    fputs(text, stderr);
    return text;
}

/* Runs call, an int-valued call that must fail (return -1), with stderr
 * captured; the value is what it printed. */
#define failure_message(call) (stderr_capture_begin(), end_failure_capture((call), #call))

static const char *end_failure_capture(int rc, const char *call)
{
    const char *msg = captured_stderr();
    ck_assert_msg(rc == -1, "%s returned %d, not -1", call, rc);
    return msg;
}

/* ---- h5util ------------------------------------------------------------- */

START_TEST(h5_round_trip_of_every_kind)
{
    char path[600];
    tmp_path(path, sizeof path, "kinds.h5");
    H5File f;
    uint8_t u8[2][3] = {{0, 1, 255}, {7, 8, 9}};
    int32_t i32[4] = {-5, 0, 5, 2147483647};
    int64_t i64[2] = {-(1LL << 40), 3};
    uint64_t u64[2] = {UINT64_MAX, 42};
    float f32[2][2][2] = {{{0.5f, -1}, {3.25f, 1e-8f}}, {{-0.0f, 2}, {1e30f, -7}}};
    float scalar = 3.5f;
    size_t d_u8[2] = {2, 3}, d_i32[1] = {4}, d_2[1] = {2}, d_f32[3] = {2, 2, 2};

    ck_assert_int_eq(h5f_create(&f, path), 0);
    ck_assert_int_eq(h5_write(&f, "/u8", H5_U8, 2, d_u8, u8, 1), 0);
    ck_assert_int_eq(h5_write(&f, "/ints/i32", H5_I32, 1, d_i32, i32, 0), 0);
    ck_assert_int_eq(h5_write(&f, "/ints/i64", H5_I64, 1, d_2, i64, 0), 0);
    ck_assert_int_eq(h5_write(&f, "/ints/u64", H5_U64, 1, d_2, u64, 0), 0);
    ck_assert_int_eq(h5_write(&f, "/params/deep/enc.W0", H5_F32, 3, d_f32, f32, 1), 0);
    ck_assert_int_eq(h5_write(&f, "/scalar", H5_F32, 0, NULL, &scalar, 0), 0);
    ck_assert_int_eq(h5_write_text(&f, "/config", "[model]\nwidth = 256\n"), 0);
    ck_assert_int_eq(h5_set_attr_str(&f, "/", "format", "test-format"), 0);
    ck_assert_int_eq(h5_set_attr_i64(&f, "/", "step", -123456789012LL), 0);
    ck_assert_int_eq(h5_set_attr_str(&f, "/params/deep/enc.W0", "note", "weights"), 0);
    ck_assert_int_eq(h5_set_attr_str(&f, "/made/by/attr", "x", "y"), 0); /* makes groups */
    ck_assert_int_eq(h5_set_attr_i64(&f, "/", "step", 77), 0);          /* replaces */
    ck_assert_int_eq(h5f_close(&f), 0);

    ck_assert_int_eq(h5f_open(&f, path), 0);
    ck_assert_int_eq(h5_exists(&f, "/"), 1);
    ck_assert_int_eq(h5_exists(&f, "/params/deep"), 1);
    ck_assert_int_eq(h5_exists(&f, "/params/deep/enc.W0"), 1);
    ck_assert_int_eq(h5_exists(&f, "/params/nope/x"), 0);
    ck_assert_int_eq(h5_exists(&f, "/made/by/attr"), 1);

    int rank;
    size_t dims[4];
    ck_assert_int_eq(h5_shape(&f, "/params/deep/enc.W0", H5_F32, 4, &rank, dims), 0);
    ck_assert_int_eq(rank, 3);
    ck_assert_uint_eq(dims[0], 2);
    ck_assert_uint_eq(dims[2], 2);
    ck_assert_int_eq(h5_shape(&f, "/scalar", H5_F32, 4, &rank, dims), 0);
    ck_assert_int_eq(rank, 0);

    uint8_t r_u8[2][3];
    int32_t r_i32[4];
    int64_t r_i64[2];
    uint64_t r_u64[2];
    float r_f32[2][2][2], r_scalar = 0;
    ck_assert_int_eq(h5_read(&f, "/u8", H5_U8, 2, d_u8, r_u8), 0);
    ck_assert_int_eq(h5_read(&f, "/ints/i32", H5_I32, 1, d_i32, r_i32), 0);
    ck_assert_int_eq(h5_read(&f, "/ints/i64", H5_I64, 1, d_2, r_i64), 0);
    ck_assert_int_eq(h5_read(&f, "/ints/u64", H5_U64, 1, d_2, r_u64), 0);
    ck_assert_int_eq(h5_read(&f, "/params/deep/enc.W0", H5_F32, 3, d_f32, r_f32), 0);
    ck_assert_int_eq(h5_read(&f, "/scalar", H5_F32, 0, NULL, &r_scalar), 0);
    ck_assert_mem_eq(r_u8, u8, sizeof u8);
    ck_assert_mem_eq(r_i32, i32, sizeof i32);
    ck_assert_mem_eq(r_i64, i64, sizeof i64);
    ck_assert_mem_eq(r_u64, u64, sizeof u64);
    ck_assert_mem_eq(r_f32, f32, sizeof f32);
    ck_assert_float_eq(r_scalar, 3.5f);

    char *text = h5_read_text(&f, "/config");
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, "[model]\nwidth = 256\n");
    free(text);
    char s[64];
    long long v;
    ck_assert_int_eq(h5_get_attr_str(&f, "/", "format", s, sizeof s), 0);
    ck_assert_str_eq(s, "test-format");
    ck_assert_int_eq(h5_get_attr_i64(&f, "/", "step", &v), 0);
    ck_assert_int_eq(v, 77);
    ck_assert_int_eq(h5_get_attr_str(&f, "/params/deep/enc.W0", "note", s, sizeof s), 0);
    ck_assert_str_eq(s, "weights");
    ck_assert_int_eq(h5_attr_exists(&f, "/", "format"), 1);
    ck_assert_int_eq(h5_attr_exists(&f, "/", "nope"), 0);
    ck_assert_int_eq(h5_attr_exists(&f, "/no/such", "format"), 0);
    ck_assert_int_eq(h5f_close(&f), 0);
}
END_TEST

START_TEST(h5_refuses_mismatches_naming_file_and_object)
{
    char path[600];
    tmp_path(path, sizeof path, "m.h5");
    H5File f;
    float x[4] = {1, 2, 3, 4};
    size_t d22[2] = {2, 2}, d4[1] = {4}, d3[2] = {3, 2};
    ck_assert_int_eq(h5f_create(&f, path), 0);
    ck_assert_int_eq(h5_write(&f, "/params/w", H5_F32, 2, d22, x, 0), 0);
    ck_assert_int_eq(h5_set_attr_i64(&f, "/", "n", 1), 0);
    const char *msg = failure_message(h5_write(&f, "/params/w", H5_F32, 2, d22, x, 0));
    ck_assert_has(msg, "/params/w: already exists");
    ck_assert_int_eq(h5f_close(&f), 0);

    ck_assert_int_eq(h5f_open(&f, path), 0);
    float y[6];
    uint8_t b[4];
    char s[16];
    long long v;

    msg = failure_message(h5_read(&f, "/params/w", H5_F32, 2, d3, y));
    ck_assert_has(msg, path);
    ck_assert_has(msg, "/params/w: expected float32 [3, 2], found float32 [2, 2]");

    msg = failure_message(h5_read(&f, "/params/w", H5_F32, 1, d4, y));
    ck_assert_has(msg, "expected float32 [4], found float32 [2, 2]");

    msg = failure_message(h5_read(&f, "/params/w", H5_U8, 2, d22, b));
    ck_assert_has(msg, "expected uint8");
    ck_assert_has(msg, "found float32 [2, 2]");

    int rank;
    size_t dims[1];
    msg = failure_message(h5_shape(&f, "/params/w", H5_F32, 1, &rank, dims));
    ck_assert_has(msg, "at most 1 dimensions");

    msg = failure_message(h5_read(&f, "/params/b", H5_F32, 1, d4, y));
    ck_assert_has(msg, "/params/b: missing (expected float32 [4])");

    msg = failure_message(h5_read(&f, "/params", H5_F32, 1, d4, y));
    ck_assert_has(msg, "/params: is a group");

    msg = failure_message(h5_get_attr_str(&f, "/", "missing", s, sizeof s));
    ck_assert_has(msg, ": /: no 'missing' attribute");

    msg = failure_message(h5_get_attr_str(&f, "/", "n", s, sizeof s));
    ck_assert_has(msg, "expected one string, found int64");

    stderr_capture_begin();
    char *text = h5_read_text(&f, "/params/w");
    msg = captured_stderr();
    ck_assert_ptr_null(text);
    ck_assert_has(msg, "expected one string, found float32 [2, 2]");

    ck_assert_int_eq(h5_get_attr_i64(&f, "/", "n", &v), 0);
    ck_assert_int_eq(v, 1);
    ck_assert_int_eq(h5f_close(&f), 0);
}
END_TEST

START_TEST(h5_open_refuses_missing_and_foreign_files)
{
    char path[600];
    H5File f;
    tmp_path(path, sizeof path, "absent.h5");
    const char *msg = failure_message(h5f_open(&f, path));
    ck_assert_has(msg, "absent.h5: no such file");

    tmp_path(path, sizeof path, "text.h5");
    FILE *t = fopen(path, "w");
    fputs("hello, not HDF5\n", t);
    fclose(t);
    msg = failure_message(h5f_open(&f, path));
    ck_assert_has(msg, "text.h5: not an HDF5 file");

    tmp_path(path, sizeof path, "nodir/x.h5");
    msg = failure_message(h5f_create(&f, path));
    ck_assert_has(msg, "nodir/x.h5: cannot create HDF5 file");
    ck_assert_int_eq(h5f_close(&f), 0); /* safe after a failed create */
}
END_TEST

/* ---- dataset ------------------------------------------------------------ */

/* A small dataset: 5 train and 2 test images of 3 x 2 x 3. */
static void make_dataset(Dataset *d)
{
    static char *names[] = {"cat", "dog"};
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "tiny");
    snprintf(d->source, sizeof d->source, "/some/where");
    Split *s[2] = {&d->train, &d->test};
    int n[2] = {5, 2};
    for (int k = 0; k < 2; k++) {
        s[k]->n = n[k];
        s[k]->h = 3;
        s[k]->w = 2;
        s[k]->c = 3;
        s[k]->images = malloc((size_t)n[k] * 18);
        s[k]->labels = malloc((size_t)n[k] * sizeof(int32_t));
        for (int i = 0; i < n[k] * 18; i++)
            s[k]->images[i] = (uint8_t)(i * 7 + k);
        for (int i = 0; i < n[k]; i++)
            s[k]->labels[i] = (i + k) % 3 - 1; /* -1, 0 and 1 */
    }
    d->n_label_names = 2;
    d->label_names = names; /* not freed: free the splits only */
}

static void free_made(Dataset *d)
{
    d->n_label_names = 0;
    d->label_names = NULL;
    dataset_free(d);
}

START_TEST(dataset_round_trip)
{
    char path[600];
    tmp_path(path, sizeof path, "d.h5");
    Dataset d, r;
    make_dataset(&d);
    ck_assert_int_eq(dataset_write(&d, path, 0), 0);
    ck_assert_int_eq(dataset_load(&r, path), 0);
    ck_assert_str_eq(r.name, "tiny");
    ck_assert_str_eq(r.source, "/some/where");
    ck_assert_int_eq(r.train.n, 5);
    ck_assert_int_eq(r.test.n, 2);
    ck_assert_int_eq(r.train.h, 3);
    ck_assert_int_eq(r.train.w, 2);
    ck_assert_int_eq(r.test.c, 3);
    ck_assert_mem_eq(r.train.images, d.train.images, 5 * 18);
    ck_assert_mem_eq(r.test.images, d.test.images, 2 * 18);
    ck_assert_mem_eq(r.train.labels, d.train.labels, 5 * sizeof(int32_t));
    ck_assert_mem_eq(r.test.labels, d.test.labels, 2 * sizeof(int32_t));
    ck_assert_int_eq(r.n_label_names, 2);
    ck_assert_str_eq(r.label_names[0], "cat");
    ck_assert_str_eq(r.label_names[1], "dog");
    dataset_free(&r);

    /* An existing file is refused without overwrite and replaced with it. */
    const char *msg = failure_message(dataset_write(&d, path, 0));
    ck_assert_has(msg, "already exists");
    d.n_label_names = 0; /* unnamed labels: no /labels group */
    d.test.n = 0;        /* an empty test split is allowed */
    ck_assert_int_eq(dataset_write(&d, path, 1), 0);
    ck_assert_int_eq(dataset_load(&r, path), 0);
    ck_assert_int_eq(r.n_label_names, 0);
    ck_assert_int_eq(r.test.n, 0);
    ck_assert_int_eq(r.test.h, 3);
    dataset_free(&r);
    ck_assert_int_eq(dir_entry_count(tmpdir), 1); /* no temporary file left */
    d.n_label_names = 2;
    d.test.n = 2;

    /* A dataset that cannot be valid writes nothing. */
    d.test.c = 1;
    tmp_path(path, sizeof path, "bad.h5");
    msg = failure_message(dataset_write(&d, path, 0));
    ck_assert_has(msg, "test images are 3x2x1, train images 3x2x3");
    ck_assert_int_eq(path_exists(path), 0);
    ck_assert_int_eq(dir_entry_count(tmpdir), 1);
    free_made(&d);
}
END_TEST

/* Writes an HDF5 file that is a valid dataset except for what `breakage` names. */
static void write_broken(const char *path, const char *breakage)
{
    H5File f;
    uint8_t img[2 * 4 * 4] = {0};
    float fimg[2 * 4 * 4] = {0};
    int32_t lab[3] = {0, 1, 2};
    size_t dtrain[4] = {2, 4, 4, 1}, dtest[4] = {2, 4, 4, 1}, dlab[1] = {2};
    ck_assert_int_eq(h5f_create(&f, path), 0);
    if (strcmp(breakage, "format") != 0)
        ck_assert_int_eq(h5_set_attr_str(&f, "/", "format",
                                         strcmp(breakage, "foreign") ? DATASET_FORMAT : "other"), 0);
    if (strcmp(breakage, "version") != 0)
        ck_assert_int_eq(h5_set_attr_i64(&f, "/", "version", 1), 0);
    ck_assert_int_eq(h5_set_attr_str(&f, "/", "name", "x"), 0);
    ck_assert_int_eq(h5_set_attr_str(&f, "/", "source", "y"), 0);
    if (strcmp(breakage, "float-images") == 0)
        ck_assert_int_eq(h5_write(&f, "/train/images", H5_F32, 4, dtrain, fimg, 0), 0);
    else
        ck_assert_int_eq(h5_write(&f, "/train/images", H5_U8, 4, dtrain, img, 1), 0);
    ck_assert_int_eq(h5_write(&f, "/train/labels", H5_I32, 1, dlab, lab, 0), 0);
    if (strcmp(breakage, "test-shape") == 0)
        dtest[1] = 2;
    if (strcmp(breakage, "no-test") != 0)
        ck_assert_int_eq(h5_write(&f, "/test/images", H5_U8, 4, dtest, img, 1), 0);
    if (strcmp(breakage, "test-labels") == 0)
        dlab[0] = 3;
    ck_assert_int_eq(h5_write(&f, "/test/labels", H5_I32, 1, dlab, lab, 0), 0);
    ck_assert_int_eq(h5f_close(&f), 0);
}

static void expect_refused(const char *breakage, const char *part)
{
    char path[600];
    Dataset d;
    tmp_path(path, sizeof path, "foreign.h5");
    write_broken(path, breakage);
    stderr_capture_begin();
    int rc = dataset_load(&d, path);
    const char *msg = captured_stderr();
    ck_assert_msg(rc == -1, "a file with broken %s was accepted", breakage);
    ck_assert_has(msg, path);
    ck_assert_has(msg, part);
    ck_assert_ptr_null(d.train.images); /* nothing left allocated */
    unlink(path);
}

START_TEST(dataset_refuses_foreign_files)
{
    char path[600];
    Dataset d;
    tmp_path(path, sizeof path, "ok.h5");
    write_broken(path, "nothing");
    ck_assert_int_eq(dataset_load(&d, path), 0); /* the unbroken file loads */
    dataset_free(&d);
    unlink(path);

    expect_refused("format", "not an ffvae dataset (no 'format' attribute on /)");
    expect_refused("foreign", "not an ffvae dataset (format is 'other'");
    expect_refused("version", "no 'version' attribute on /");
    expect_refused("float-images", "/train/images: expected uint8, found float32 [2, 4, 4, 1]");
    expect_refused("no-test", "/test/images: missing");
    expect_refused("test-shape", "/test/images: expected uint8 [M, 4, 4, 1] like /train/images");
    expect_refused("test-labels", "/test/labels: expected int32 [2]");

    tmp_path(path, sizeof path, "plain.txt");
    FILE *t = fopen(path, "w");
    fputs("not an HDF5 file at all\n", t);
    fclose(t);
    const char *msg = failure_message(dataset_load(&d, path));
    ck_assert_has(msg, "plain.txt: not an HDF5 file");
}
END_TEST

/* ---- IDX ---------------------------------------------------------------- */

START_TEST(idx_reads_valid_files)
{
    char path[600];
    IdxArray a;
    fixture(path, sizeof path, "mnist/train-images-idx3-ubyte.gz");
    ck_assert_int_eq(idx_read(&a, path, 3, -1), 0);
    ck_assert_int_eq(a.ndims, 3);
    ck_assert_int_eq(a.dims[0], 6);
    ck_assert_int_eq(a.dims[1], 5);
    ck_assert_int_eq(a.dims[2], 4);
    ck_assert_int_eq(a.items_in_file, 6);
    for (int i = 0; i < 6; i++) /* the formula in make_fixtures.c */
        for (int r = 0; r < 5; r++)
            for (int c = 0; c < 4; c++)
                ck_assert_uint_eq(a.data[(i * 5 + r) * 4 + c], (uint8_t)(i * 37 + r * 4 + c * 11));
    idx_free(&a);

    ck_assert_int_eq(idx_read(&a, path, 3, 2), 0); /* a limit keeps the first items */
    ck_assert_int_eq(a.dims[0], 2);
    ck_assert_int_eq(a.items_in_file, 6);
    ck_assert_uint_eq(a.data[20], 37);
    idx_free(&a);

    fixture(path, sizeof path, "mnist/t10k-labels-idx1-ubyte"); /* not gzipped */
    ck_assert_int_eq(idx_read(&a, path, 1, -1), 0);
    ck_assert_int_eq(a.dims[0], 3);
    ck_assert_uint_eq(a.data[0], 0);
    ck_assert_uint_eq(a.data[2], 2);
    idx_free(&a);
}
END_TEST

static void expect_idx_error(const char *name, int ndims, const char *part)
{
    char path[600];
    IdxArray a;
    fixture(path, sizeof path, name);
    stderr_capture_begin();
    int rc = idx_read(&a, path, ndims, -1);
    const char *msg = captured_stderr();
    ck_assert_msg(rc == -1, "%s was accepted", name);
    ck_assert_has(msg, path);
    ck_assert_has(msg, part);
    ck_assert_ptr_null(a.data);
}

START_TEST(idx_refuses_broken_files)
{
    expect_idx_error("idx/truncated-images-idx3-ubyte.gz", 3, "corrupt or truncated data");
    expect_idx_error("idx/short-images-idx3-ubyte.gz", 3, "truncated: the header declares 6");
    expect_idx_error("idx/badmagic-images-idx3-ubyte", 3, "bad magic number");
    expect_idx_error("idx/twodim-images-idx2-ubyte", 3, "expected 3 dimensions (images), found 2");
    expect_idx_error("mnist/train-labels-idx1-ubyte.gz", 3, "expected 3 dimensions");
    expect_idx_error("idx/no-such-file.gz", 3, "cannot open");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, h5_round_trip_of_every_kind);
    tcase_add_test(tc, h5_refuses_mismatches_naming_file_and_object);
    tcase_add_test(tc, h5_open_refuses_missing_and_foreign_files);
    tcase_add_test(tc, dataset_round_trip);
    tcase_add_test(tc, dataset_refuses_foreign_files);
    tcase_add_test(tc, idx_reads_valid_files);
    tcase_add_test(tc, idx_refuses_broken_files);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
