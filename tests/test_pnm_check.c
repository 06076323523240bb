/* test_pnm_check.c - pnm_check.c's refusal of PGM/PPM header numbers past
 * INT_MAX: hand-made headers at the boundary, comments between the numbers,
 * other formats left alone, the fuzzer's finding, and real files passing. */
#include "image_check.h"
#include "pnm_check.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <string.h>

/* pnm_header_fits over a string's bytes; field -1 when it passes. */
static int check_text(const char *text, int *field)
{
    *field = -1;
    return pnm_header_fits((const uint8_t *)text, strlen(text), field);
}

START_TEST(numbers_up_to_int_max_pass_and_past_it_are_refused)
{
    int field;
    ck_assert_int_eq(check_text("P5\n28 28\n255\n", &field), 0);
    ck_assert_int_eq(check_text("P6\n2147483647 2147483647\n65535\n", &field), 0);
    ck_assert_int_eq(check_text("P5\n2147483648 1 255\n", &field), -1);
    ck_assert_int_eq(field, 0);
    ck_assert_int_eq(check_text("P6 1 00000000002147483648 255", &field), -1);
    ck_assert_int_eq(field, 1);
    ck_assert_int_eq(check_text("P5 1 1 99999999999", &field), -1);
    ck_assert_int_eq(field, 2);
}
END_TEST

START_TEST(comments_are_skipped_and_other_formats_left_alone)
{
    int field;
    /* A comment's digits are not a number; the one after it is. */
    ck_assert_int_eq(check_text("P5 # 99999999999\n4\n#x\r99999999999 255", &field), -1);
    ck_assert_int_eq(field, 1);
    ck_assert_int_eq(check_text("P5 # 99999999999\n4 4 255", &field), 0);
    /* stb reads only P5 and P6; P2 and P3 are not PNMs to it, nor a truncated magic. */
    ck_assert_int_eq(check_text("P3 99999999999 1 255", &field), 0);
    ck_assert_int_eq(check_text("P2 99999999999 1 255", &field), 0);
    ck_assert_int_eq(check_text("P", &field), 0);
    ck_assert_int_eq(check_text("", &field), 0);
    /* A header cut short passes: the decoder refuses it. */
    ck_assert_int_eq(check_text("P5 12", &field), 0);
}
END_TEST

START_TEST(the_fuzzers_finding_is_refused_and_real_files_pass)
{
    char path[4096], msg[2048];
    srcdir_path(path, sizeof path, "tests/fixtures/hostile/pnm-header-overflow.pgm");
    stderr_capture_begin();
    int rc = image_check_file(path);
    stderr_capture_end(msg, sizeof msg);
    ck_assert_int_eq(rc, -1);
    ck_assert_has(msg, "pnm-header-overflow.pgm: damaged or hostile PNM: its header's height is "
                       "larger than 2147483647");
    const char *real[] = {"tests/fixtures/hostile/pnm16-convert.pgm",
                          "tests/fixtures/images/red/b.jpg", "tests/fixtures/images/red/a.png"};
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++)
        ck_assert_int_eq(image_check_file(srcdir_path(path, sizeof path, "%s", real[i])), 0);
    ck_assert_int_eq(image_check_file("/nonexistent/ffvae-pnm"), 0);
}
END_TEST

static Suite *pnm_check_suite(void)
{
    Suite *s = suite_create("pnm_check");
    TCase *t = tcase_create("pnm_check");
    tcase_add_test(t, numbers_up_to_int_max_pass_and_past_it_are_refused);
    tcase_add_test(t, comments_are_skipped_and_other_formats_left_alone);
    tcase_add_test(t, the_fuzzers_finding_is_refused_and_real_files_pass);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(pnm_check_suite());
}
