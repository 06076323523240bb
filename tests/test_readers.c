/* test_readers.c - the readers' bounds and the file format's strings
 * (issue 20): version 1 files still load, new files hold only fixed-length
 * strings, and a file whose declared sizes or strings it cannot back is
 * refused before anything is allocated, naming the file and the object. */
#include "checkpoint.h"
#include "dataset.h"
#include "h5check.h"
#include "h5util.h"
#include "util.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[256];

static void setup(void)
{
    tmpdir_make(tmpdir, sizeof tmpdir, "readers");
}

static void teardown(void)
{
    tmpdir_remove(tmpdir);
}

static const char *tmp_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
    return buf;
}

/* What the call (which must return -1) printed to stderr (static buffer). */
static const char *failure_text(int rc, const char *call)
{
    static char text[4096];
    stderr_capture_end(text, sizeof text);
    fputs(text, stderr);
    ck_assert_msg(rc == -1, "%s returned %d, not -1", call, rc);
    return text;
}
#define failure_message(call) (stderr_capture_begin(), failure_text((call), #call))
/* Whether attribute name on / of path is a variable-length string. */
static int attr_is_vlen(const char *path, const char *name)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    hid_t a = H5Aopen(f, name, H5P_DEFAULT), t = H5Aget_type(a);
    ck_assert_int_eq(H5Tget_class(t), H5T_STRING);
    int vlen = H5Tis_variable_str(t) > 0;
    H5Tclose(t);
    H5Aclose(a);
    H5Fclose(f);
    return vlen;
}

/* The root attributes of a version 2 dataset, through h5util (fixed-length). */
static void dataset_header(H5File *f, const char *path)
{
    ck_assert_int_eq(h5f_create(f, path), 0);
    ck_assert_int_eq(h5_set_attr_str(f, "/", "format", DATASET_FORMAT), 0);
    ck_assert_int_eq(h5_set_attr_i64(f, "/", "version", DATASET_VERSION), 0);
    ck_assert_int_eq(h5_set_attr_str(f, "/", "source", "test"), 0);
}

/* ---- versions and strings ---------------------------------------------- */

START_TEST(version_1_files_still_load)
{
    char path[4096];
    Dataset d;
    ck_assert_int_eq(dataset_load(&d, srcdir_path(path, sizeof path,
                                                  "tests/fixtures/v1/dataset.h5")), 0);
    ck_assert_int_eq(d.version, 1);
    ck_assert_str_eq(d.name, "mnist");
    ck_assert_int_eq(d.train.n, 6);
    ck_assert_int_eq(attr_is_vlen(path, "name"), 1); /* what version 1 wrote */
    dataset_free(&d);

    Model m;
    TrainState s;
    srcdir_path(path, sizeof path, "tests/fixtures/v1/checkpoint.h5");
    ck_assert_int_eq(checkpoint_load(path, &m, &s), 0);
    ck_assert_int_eq(s.step, 6);
    ck_assert_str_eq(s.dataset, "mnist");
    ck_assert_str_eq(m.cfg.name, "tiny-5x4");
    train_state_free(&s);
    model_free(&m);
}
END_TEST

START_TEST(new_files_hold_fixed_length_strings)
{
    char src[4096], path[600];
    Dataset d;
    ck_assert_int_eq(dataset_load(&d, srcdir_path(src, sizeof src,
                                                  "tests/fixtures/v1/dataset.h5")), 0);
    tmp_path(path, sizeof path, "v2.h5");
    ck_assert_int_eq(dataset_write(&d, path, 0), 0);
    dataset_free(&d);
    ck_assert_int_eq(attr_is_vlen(path, "format"), 0);
    ck_assert_int_eq(attr_is_vlen(path, "name"), 0);
    ck_assert_int_eq(dataset_load(&d, path), 0);
    ck_assert_int_eq(d.version, 2);
    ck_assert_str_eq(d.name, "mnist");
    dataset_free(&d);

    /* A version 1 checkpoint saved again is a version 2 one, /config included. */
    Model m;
    TrainState s;
    srcdir_path(src, sizeof src, "tests/fixtures/v1/checkpoint.h5");
    ck_assert_int_eq(checkpoint_load(src, &m, &s), 0);
    tmp_path(path, sizeof path, "ckpt.h5");
    ck_assert_int_eq(checkpoint_save(path, &m, &s), 0);
    train_state_free(&s);
    model_free(&m);
    ck_assert_int_eq(attr_is_vlen(path, "format"), 0);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t c = H5Dopen2(f, "/config", H5P_DEFAULT), t = H5Dget_type(c);
    ck_assert_int_eq(H5Tis_variable_str(t), 0);
    long long version = 0;
    hid_t a = H5Aopen(f, "version", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_LLONG, &version);
    ck_assert_int_eq(version, CHECKPOINT_VERSION);
    H5Aclose(a);
    H5Tclose(t);
    H5Dclose(c);
    H5Fclose(f);
    ck_assert_int_eq(checkpoint_load(path, &m, &s), 0);
    ck_assert_int_eq(s.step, 6);
    train_state_free(&s);
    model_free(&m);
}
END_TEST

/* A version 2 file has no variable-length strings: one is refused unread,
 * as reading it is where libhdf5 crashes on damaged files. */
START_TEST(version_2_refuses_variable_length_strings)
{
    char path[600];
    H5File f;
    tmp_path(path, sizeof path, "vlen.h5");
    dataset_header(&f, path);
    hid_t t = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR);
    H5Tset_size(t, H5T_VARIABLE);
    const char *name = "sneaky";
    hid_t a = H5Acreate2(f.id, "name", t, space, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(a, 0);
    ck_assert_int_ge(H5Awrite(a, t, &name), 0);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(t);
    ck_assert_int_eq(h5f_close(&f), 0);
    Dataset d;
    const char *msg = failure_message(dataset_load(&d, path));
    ck_assert_has(msg, path);
    ck_assert_has(msg, "/: attribute 'name': a variable-length string, which only version 1 "
                       "files hold");
}
END_TEST

START_TEST(oversized_strings_are_refused)
{
    char path[600];
    H5File f;
    tmp_path(path, sizeof path, "bigstr.h5");
    ck_assert_int_eq(h5f_create(&f, path), 0);
    hid_t t = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR);
    H5Tset_size(t, (size_t)2 << 20);
    hid_t d = H5Dcreate2(f.id, "/config", t, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(d, 0);
    H5Dclose(d);
    H5Sclose(space);
    H5Tclose(t);
    ck_assert_int_eq(h5f_close(&f), 0);
    ck_assert_int_eq(h5f_open(&f, path), 0);
    stderr_capture_begin();
    char *text = h5_read_text(&f, "/config");
    const char *msg = failure_text(text ? 0 : -1, "h5_read_text");
    ck_assert_has(msg, "/config: a string of 2097152 bytes (at most 1048576 are read)");
    h5f_close(&f);
}
END_TEST

/* ---- declared sizes ------------------------------------------------------ */

/* A dataset file whose /train/images declares [N, 28, 28, 1] but whose data
 * was never written (so the file holds a few kB), chunked and compressed or not. */
static void write_hollow(const char *path, int compressed)
{
    H5File f;
    dataset_header(&f, path);
    ck_assert_int_eq(h5_set_attr_str(&f, "/", "name", "hollow"), 0);
    hsize_t dims[4] = {10000000, 28, 28, 1}, chunk[4] = {1000, 28, 28, 1};
    hid_t space = H5Screate_simple(4, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    if (compressed) {
        H5Pset_chunk(dcpl, 4, chunk);
        H5Pset_deflate(dcpl, 4);
    }
    hid_t d = H5Dcreate2(f.id, "/train/images", H5T_STD_U8LE, space, lcpl, dcpl, H5P_DEFAULT);
    ck_assert_int_ge(d, 0);
    H5Dclose(d);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    size_t n = 10000000;
    int32_t *labels = alloc_or_fail(n, sizeof *labels);
    ck_assert_int_eq(h5_write(&f, "/train/labels", H5_I32, 1, &n, labels, 1 << 16), 0);
    free(labels);
    ck_assert_int_eq(h5f_close(&f), 0);
}

START_TEST(declared_sizes_beyond_the_file_are_refused)
{
    char path[600];
    Dataset d;
    tmp_path(path, sizeof path, "hollow.h5");
    write_hollow(path, 0);
    const char *msg = failure_message(dataset_load(&d, path));
    ck_assert_has(msg, path);
    ck_assert_has(msg, "/train/images: declares 7840000000 bytes, but the file is ");
    ck_assert_ptr_null(d.train.images);

    tmp_path(path, sizeof path, "hollow-deflate.h5");
    write_hollow(path, 1);
    msg = failure_message(dataset_load(&d, path));
    ck_assert_has(msg, "/train/images: declares 7840000000 bytes, but the file is ");
    ck_assert_has(msg, "more than deflate can compress into it");

    /* The limit itself, below which the same shape would be read. */
    h5_set_max_dataset_bytes(1000000);
    msg = failure_message(dataset_load(&d, path));
    ck_assert_has(msg, "/train/images: declares 7840000000 bytes, more than the limit of 1000000");
    h5_set_max_dataset_bytes(0);
}
END_TEST

/* A dataset above the slab size reads back exactly (slab by slab). */
START_TEST(large_datasets_read_in_slabs)
{
    char path[600];
    H5File f;
    size_t dims[3] = {H5_SLAB_BYTES / (1 << 16) + 37, 256, 256}; /* 1.6 slabs, a partial last */
    size_t n = dims[0] * dims[1] * dims[2];
    uint8_t *a = alloc_or_fail(n, 1), *b = alloc_or_fail(n, 1);
    for (size_t i = 0; i < n; i++)
        a[i] = (uint8_t)(i * 2654435761u >> 13);
    tmp_path(path, sizeof path, "large.h5");
    ck_assert_int_eq(h5f_create(&f, path), 0);
    ck_assert_int_eq(h5_write(&f, "/x", H5_U8, 3, dims, a, 4), 0);
    ck_assert_int_eq(h5f_close(&f), 0);
    ck_assert_int_eq(h5f_open(&f, path), 0);
    ck_assert_int_eq(h5_read(&f, "/x", H5_U8, 3, dims, b), 0);
    ck_assert_int_eq(h5f_close(&f), 0);
    ck_assert_int_eq(memcmp(a, b, n), 0);
    free(a);
    free(b);
}
END_TEST

/* ---- the child-process check ------------------------------------------- */

/* libhdf5 loops forever on this file: the child's CPU limit ends it. */
START_TEST(a_hang_in_libhdf5_ends_in_the_child)
{
    char path[4096];
    Dataset d;
    srcdir_path(path, sizeof path, "tests/fixtures/hostile/hang-dataset-v1.h5");
    h5check_set_cpu_seconds(1);
    double t0 = now_seconds();
    const char *msg = failure_message(dataset_load(&d, path));
    h5check_set_cpu_seconds(0);
    ck_assert_has(msg, "hang-dataset-v1.h5: damaged or hostile HDF5 file (");
    ck_assert_msg(now_seconds() - t0 < 30, "the check took %.1f s", now_seconds() - t0);
    ck_assert_ptr_null(d.train.images);
}
END_TEST

/* A crash in the child is a message in the parent, for every loader. */
START_TEST(a_crash_in_libhdf5_is_a_message)
{
    char path[4096];
    Dataset d;
    Model m;
    TrainState s;
    srcdir_path(path, sizeof path, "tests/fixtures/hostile/crash-heap-dataset-v1.h5");
    const char *msg = failure_message(dataset_load(&d, path));
    ck_assert_has(msg, "crash-heap-dataset-v1.h5: damaged or hostile HDF5 file (");
    srcdir_path(path, sizeof path, "tests/fixtures/hostile/crash-heap-checkpoint-v1.h5");
    msg = failure_message(checkpoint_load(path, &m, &s));
    ck_assert_has(msg, "crash-heap-checkpoint-v1.h5: damaged or hostile HDF5 file (");
    /* A file the child refuses cleanly is reported once, by the child. */
    srcdir_path(path, sizeof path, "tests/fixtures/v1/checkpoint.h5");
    msg = failure_message(dataset_load(&d, path));
    ck_assert_has(msg, "not an ffvae dataset (format is 'ffvae-checkpoint'");
    ck_assert_ptr_null(strstr(strstr(msg, "not an ffvae") + 1, "not an ffvae"));
}
END_TEST

static Suite *readers_suite(void)
{
    Suite *s = suite_create("readers");
    TCase *t = tcase_create("readers");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 120);
    tcase_add_test(t, version_1_files_still_load);
    tcase_add_test(t, new_files_hold_fixed_length_strings);
    tcase_add_test(t, version_2_refuses_variable_length_strings);
    tcase_add_test(t, oversized_strings_are_refused);
    tcase_add_test(t, declared_sizes_beyond_the_file_are_refused);
    tcase_add_test(t, large_datasets_read_in_slabs);
    tcase_add_test(t, a_hang_in_libhdf5_ends_in_the_child);
    tcase_add_test(t, a_crash_in_libhdf5_is_a_message);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(readers_suite());
}
