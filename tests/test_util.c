/* test_util.c - the generator, number parsing and safe output files. */
#include "rng.h"
#include "util.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

START_TEST(rng_is_reproducible_and_streams_differ)
{
    Rng a, b, c;
    rng_seed(&a, 42, 0);
    rng_seed(&b, 42, 0);
    rng_seed(&c, 42, 1);
    int same_as_c = 0;
    for (int i = 0; i < 100; i++) {
        uint32_t x = rng_u32(&a), y = rng_u32(&b), z = rng_u32(&c);
        ck_assert_uint_eq(x, y);
        same_as_c += (x == z);
    }
    ck_assert_int_lt(same_as_c, 3);
}
END_TEST

START_TEST(rng_normal_has_unit_moments)
{
    Rng r;
    rng_seed(&r, 7, 0);
    double s = 0, s2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double x = rng_normal(&r);
        s += x;
        s2 += x * x;
    }
    ck_assert_double_lt(fabs(s / n), 0.01);
    ck_assert_double_lt(fabs(s2 / n - 1.0), 0.02);
}
END_TEST

START_TEST(rng_below_and_shuffle_cover_range)
{
    Rng r;
    rng_seed(&r, 3, 0);
    int counts[10] = {0};
    for (int i = 0; i < 100000; i++)
        counts[rng_below(&r, 10)]++;
    for (int k = 0; k < 10; k++)
        ck_assert_int_gt(counts[k], 9000);
    int32_t idx[50], seen[50] = {0};
    for (int i = 0; i < 50; i++)
        idx[i] = i;
    rng_shuffle(&r, idx, 50);
    for (int i = 0; i < 50; i++)
        seen[idx[i]]++;
    for (int i = 0; i < 50; i++)
        ck_assert_int_eq(seen[i], 1);
}
END_TEST

START_TEST(parse_numbers_rejects_junk)
{
    long v;
    float f;
    ck_assert_int_eq(parse_long("123", &v), 0);
    ck_assert_int_eq(v, 123);
    ck_assert_int_eq(parse_long("12x", &v), -1);
    ck_assert_int_eq(parse_long("", &v), -1);
    ck_assert_int_eq(parse_float("1e-3", &f), 0);
    ck_assert_float_eq_tol(f, 1e-3f, 1e-9f);
    ck_assert_int_eq(parse_float("nan", &f), -1);
    ck_assert_int_eq(parse_float("1.5.2", &f), -1);
}
END_TEST

START_TEST(output_file_is_atomic)
{
    char dir[256];
    tmpdir_make(dir, sizeof dir, "util");
    char path[300];
    snprintf(path, sizeof path, "%s/out.txt", dir);

    OutputFile out;
    ck_assert_int_eq(output_begin(&out, path, 0), 0);
    FILE *f = fopen(out.tmp_path, "w");
    fputs("hello", f);
    fclose(f);
    ck_assert_int_eq(path_exists(path), 0); /* nothing visible before commit */
    ck_assert_int_eq(output_commit(&out), 0);
    ck_assert_int_eq(path_exists(path), 1);

    /* An existing file is refused without overwrite, kept with it. */
    ck_assert_int_eq(output_begin(&out, path, 0), -1);
    ck_assert_int_eq(output_begin(&out, path, 1), 0);
    f = fopen(out.tmp_path, "w");
    fclose(f);
    output_abort(&out);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq((int)st.st_size, 5);

    /* A missing directory is refused before anything is written. */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no/such/out.txt", dir);
    ck_assert_int_eq(output_begin(&out, missing, 0), -1);

    tmpdir_remove(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rng_is_reproducible_and_streams_differ);
    tcase_add_test(tc, rng_normal_has_unit_moments);
    tcase_add_test(tc, rng_below_and_shuffle_cover_range);
    tcase_add_test(tc, parse_numbers_rejects_junk);
    tcase_add_test(tc, output_file_is_atomic);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
