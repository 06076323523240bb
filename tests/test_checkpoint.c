/* test_checkpoint.c - a checkpoint written and read back restores the model,
 * the optimiser and the training state exactly; damaged or foreign files are
 * refused, naming the object. */
#include "checkpoint.h"
#include "dataset.h"
#include "model_config.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256], path[300];

static void setup(void)
{
    tmpdir_make(dir, sizeof dir, "ckpt");
    snprintf(path, sizeof path, "%s/checkpoint.h5", dir);
}

static void teardown(void)
{
    tmpdir_remove(dir);
}

/* A small model with frequencies, random parameters, moments and a log. */
static void make_state(Model *m, TrainState *s)
{
    const char *text = "[data]\nheight = 6\nwidth = 5\nchannels = 3\n[latent]\nsize = 4\n"
                       "[encoder]\nhidden = 9\n[decoder]\nkind = coord\nconditioning = film\n"
                       "[encoding]\nkind = gaussian\nfeatures = 7\nsigma = 2\n"
                       "[network]\nwidth = 8\ndepth = 3\n";
    Rng r;
    rng_seed(&r, 5, 0);
    build_model(m, text, NULL, 0, &r);
    for (int t = 0; t < m->table.n; t++) /* tensors only: alignment gaps stay zero */
        for (size_t i = 0; i < tensor_size(&m->table.t[t]); i++) {
            m->adam_m[m->table.t[t].offset + i] = rng_normal(&r);
            m->adam_v[m->table.t[t].offset + i] = rng_uniform(&r);
        }
    memset(s, 0, sizeof *s);
    s->step = 37;
    s->target_steps = 100;
    s->seed = 99;
    s->epoch = 1.0 / 3.0;
    s->seconds = 12.345678901234;
    s->pending[0] = 1.0 / 7.0, s->pending[1] = 2.5, s->pending[2] = 0.1, s->pending[3] = 3;
    s->pending[4] = 0.3;
    rng_seed(&s->rng, 42, 2);
    rng_u32(&s->rng);
    snprintf(s->dataset, sizeof s->dataset, "fashion-mnist");
    for (long i = 1; i <= 3; i++) {
        LogRow row = {i * 10, 0.1f * i, 500.0f / i, 480.0f / i, 20.0f / i, 1.5f * i, 0.25f * i};
        ck_assert_int_eq(train_state_append_log(s, &row), 0);
    }
}

START_TEST(round_trip_is_exact)
{
    Model m, m2;
    TrainState s, s2;
    make_state(&m, &s);
    ck_assert_int_eq(checkpoint_save(path, &m, &s), 0);
    ck_assert_int_eq(checkpoint_load(path, &m2, &s2), 0);

    ck_assert_int_eq(m2.table.n, m.table.n);
    ck_assert_uint_eq(m2.table.total, m.table.total);
    ck_assert_int_eq(memcmp(m2.params, m.params, m.table.total * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(m2.adam_m, m.adam_m, m.table.total * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(m2.adam_v, m.adam_v, m.table.total * sizeof(float)), 0);
    ck_assert_int_eq(m2.F, 7);
    ck_assert_int_eq(memcmp(m2.freqs, m.freqs, 14 * sizeof(float)), 0);
    char *a = config_to_string(&m.cfg), *b = config_to_string(&m2.cfg);
    ck_assert_str_eq(a, b);
    free(a), free(b);

    ck_assert_int_eq(s2.step, 37);
    ck_assert_int_eq(s2.target_steps, 100);
    ck_assert_uint_eq(s2.seed, 99);
    ck_assert(s2.epoch == s.epoch && s2.seconds == s.seconds); /* exact, not approximate */
    for (int i = 0; i < 5; i++)
        ck_assert(s2.pending[i] == s.pending[i]);
    ck_assert_uint_eq(s2.rng.state, s.rng.state);
    ck_assert_uint_eq(s2.rng.inc, s.rng.inc);
    ck_assert_str_eq(s2.dataset, "fashion-mnist");
    ck_assert_int_eq(s2.n_log, 3);
    for (int i = 0; i < 3; i++) { /* field by field: the struct has padding */
        const LogRow *x = &s.log[i], *y = &s2.log[i];
        ck_assert_int_eq(x->step, y->step);
        ck_assert(x->epoch == y->epoch && x->loss == y->loss && x->recon == y->recon &&
                  x->kl == y->kl && x->seconds == y->seconds && x->ffl == y->ffl);
    }

    train_state_free(&s), train_state_free(&s2);
    model_free(&m), model_free(&m2);
}
END_TEST

/* Replaces one tensor with a wrongly shaped one, as a damaged file would have. */
static void reshape_tensor(const char *obj)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert(f >= 0);
    ck_assert(H5Ldelete(f, obj, H5P_DEFAULT) >= 0);
    hsize_t dims[2] = {3, 3};
    float data[9] = {0};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(f, obj, H5T_NATIVE_FLOAT, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert(d >= 0);
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dclose(d), H5Sclose(space), H5Fclose(f);
}

/* A checkpoint written before the focal_frequency log column: no
 * /log/focal_frequency and four pending sums. It loads, with that column and
 * its pending sum 0, and everything else as stored. */
START_TEST(checkpoint_without_ffl_column_loads)
{
    Model m, m2;
    TrainState s, s2;
    make_state(&m, &s);
    ck_assert_int_eq(checkpoint_save(path, &m, &s), 0);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    ck_assert(f >= 0);
    ck_assert(H5Ldelete(f, "/log/focal_frequency", H5P_DEFAULT) >= 0);
    hid_t g = H5Gopen2(f, "/log", H5P_DEFAULT);
    ck_assert(g >= 0 && H5Adelete(g, "pending") >= 0);
    const char old[] = "0.5 2.5 0.10000000000000001 3";
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR);
    H5Tset_size(type, sizeof old);
    hid_t a = H5Acreate2(g, "pending", type, space, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert(a >= 0 && H5Awrite(a, type, old) >= 0);
    H5Aclose(a), H5Sclose(space), H5Tclose(type), H5Gclose(g), H5Fclose(f);

    ck_assert_int_eq(checkpoint_load(path, &m2, &s2), 0);
    ck_assert(s2.pending[0] == 0.5 && s2.pending[1] == 2.5 && s2.pending[3] == 3);
    ck_assert(s2.pending[4] == 0);
    ck_assert_int_eq(s2.n_log, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert(s2.log[i].ffl == 0);
        ck_assert(s2.log[i].loss == s.log[i].loss && s2.log[i].seconds == s.log[i].seconds);
    }
    train_state_free(&s), train_state_free(&s2);
    model_free(&m), model_free(&m2);
}
END_TEST

START_TEST(damaged_and_foreign_files_are_refused)
{
    Model m, m2;
    TrainState s, s2;
    make_state(&m, &s);
    ck_assert_int_eq(checkpoint_save(path, &m, &s), 0);
    reshape_tensor("/params/decoder.2.W");
    ck_assert_int_eq(checkpoint_load(path, &m2, &s2), -1);
    reshape_tensor("/optim/v/decoder.out.b");
    ck_assert_int_eq(checkpoint_load(path, &m2, NULL), -1);

    /* a dataset is not a checkpoint */
    Dataset ds;
    memset(&ds, 0, sizeof ds);
    uint8_t px[2 * 4] = {0};
    int32_t lab[2] = {0, 1};
    ds.train = (Split){.n = 2, .h = 2, .w = 2, .c = 1, .images = px, .labels = lab};
    ds.test = (Split){.n = 2, .h = 2, .w = 2, .c = 1, .images = px, .labels = lab};
    snprintf(ds.name, sizeof ds.name, "tiny");
    ck_assert_int_eq(dataset_write(&ds, path, 1), 0);
    ck_assert_int_eq(checkpoint_load(path, &m2, &s2), -1);

    /* a truncated file, and a missing one */
    FILE *f = fopen(path, "r+");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(ftruncate(fileno(f), 512), 0);
    fclose(f);
    ck_assert_int_eq(checkpoint_load(path, &m2, &s2), -1);
    unlink(path);
    ck_assert_int_eq(checkpoint_load(path, &m2, &s2), -1);
    train_state_free(&s);
    model_free(&m);
}
END_TEST

/* Saving over an existing checkpoint into a directory that has become
 * unwritable fails and leaves the old file as it was. */
START_TEST(failed_save_keeps_the_previous_file)
{
    Model m;
    TrainState s;
    make_state(&m, &s);
    char missing[320];
    snprintf(missing, sizeof missing, "%s/no/such/dir/checkpoint.h5", dir);
    ck_assert_int_eq(checkpoint_save(missing, &m, &s), -1);
    ck_assert_int_eq(checkpoint_save(path, &m, &s), 0);
    s.step = 38;
    if (getuid() != 0) { /* root writes anywhere: the permission check means nothing then */
        chmod(dir, 0500);
        ck_assert_int_eq(checkpoint_save(path, &m, &s), -1);
        chmod(dir, 0700);
        Model m2;
        TrainState s2;
        ck_assert_int_eq(checkpoint_load(path, &m2, &s2), 0);
        ck_assert_int_eq(s2.step, 37);
        train_state_free(&s2);
        model_free(&m2);
    }
    train_state_free(&s);
    model_free(&m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, round_trip_is_exact);
    tcase_add_test(tc, checkpoint_without_ffl_column_loads);
    tcase_add_test(tc, damaged_and_foreign_files_are_refused);
    tcase_add_test(tc, failed_save_keeps_the_previous_file);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
