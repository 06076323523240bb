/* test_strbuf.c - the growing string buffer: appends, growth, handing the
 * text over, and a failure that is reported once and latched. */
#include "strbuf.h"
#include "testutil.h"

#include "check_run.h"
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

/* Runs strbuf_printf(b, "%ls", wide) with stderr captured into err. */
static int printf_wide_capture(StrBuf *b, const wchar_t *wide, char *err, size_t size)
{
    stderr_capture_begin();
    int rc = strbuf_printf(b, "%ls", wide);
    stderr_capture_end(err, size);
    return rc;
}

START_TEST(appends_build_the_text)
{
    StrBuf b = STRBUF_INIT("test text");
    ck_assert_str_eq(strbuf_text(&b), "");
    ck_assert_int_eq(strbuf_printf(&b, "model,seed"), 0);
    ck_assert_int_eq(strbuf_printf(&b, ",%s,%d", "fourier", 3), 0);
    ck_assert_int_eq(strbuf_printf(&b, "%s", ""), 0);
    ck_assert_str_eq(strbuf_text(&b), "model,seed,fourier,3");
    ck_assert_uint_eq(b.len, strlen("model,seed,fourier,3"));
    strbuf_free(&b);
    ck_assert_ptr_null(b.text);
    ck_assert_str_eq(strbuf_text(&b), "");
}
END_TEST

START_TEST(grows_far_past_its_first_allocation)
{
    StrBuf b = STRBUF_INIT("test text");
    char want[20001];
    size_t len = 0;
    for (int i = 0; i < 2000; i++) {
        ck_assert_int_eq(strbuf_printf(&b, "%09d\n", i), 0);
        len += (size_t)snprintf(want + len, sizeof want - len, "%09d\n", i);
    }
    ck_assert_uint_eq(b.len, 20000);
    ck_assert_uint_gt(b.cap, b.len);
    ck_assert_str_eq(strbuf_text(&b), want);
    /* One append longer than everything before it. */
    ck_assert_int_eq(strbuf_printf(&b, "%50000s", "x"), 0);
    ck_assert_uint_eq(b.len, 70000);
    ck_assert_int_eq(b.text[b.len - 1], 'x');
    ck_assert_int_eq(b.text[b.len], '\0');
    strbuf_free(&b);
}
END_TEST

START_TEST(take_hands_the_text_over)
{
    StrBuf b = STRBUF_INIT("test text");
    char *empty = strbuf_take(&b);
    ck_assert_ptr_nonnull(empty);
    ck_assert_str_eq(empty, "");
    free(empty);
    strbuf_printf(&b, "line %d\n", 1);
    char *text = strbuf_take(&b);
    ck_assert_str_eq(text, "line 1\n");
    ck_assert_ptr_null(b.text);
    ck_assert_uint_eq(b.len, 0);
    free(text);
    /* b is usable again after take. */
    ck_assert_int_eq(strbuf_printf(&b, "again"), 0);
    ck_assert_str_eq(strbuf_text(&b), "again");
    strbuf_free(&b);
}
END_TEST

START_TEST(a_failure_is_reported_once_and_latched)
{
    StrBuf b = STRBUF_INIT("report.md");
    ck_assert_int_eq(strbuf_printf(&b, "before "), 0);
    /* In the C locale a wide character above 0x7f cannot be converted. */
    const wchar_t wide[] = {0x100, 0};
    char err[1024];
    ck_assert_int_eq(printf_wide_capture(&b, wide, err, sizeof err), -1);
    ck_assert_msg(strncmp(err, "ffvae: report.md: cannot format text", 36) == 0,
                  "unexpected message: %s", err);
    ck_assert_int_eq(b.failed, 1);
    /* Later appends do nothing and say so by their result, without a second message. */
    ck_assert_int_eq(printf_wide_capture(&b, L"ok", err, sizeof err), -1);
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(strbuf_printf(&b, "after"), -1);
    ck_assert_str_eq(strbuf_text(&b), "before ");
    ck_assert_ptr_null(strbuf_take(&b));
    ck_assert_int_eq(b.failed, 0);
    ck_assert_ptr_null(b.text);
}
END_TEST

START_TEST(a_length_past_size_max_is_refused)
{
    /* The overflow guard, reached without allocating: a buffer that claims to
     * be nearly SIZE_MAX long cannot take one more character. */
    StrBuf b = STRBUF_INIT("huge text");
    b.len = SIZE_MAX - 1;
    ck_assert_int_eq(strbuf_printf(&b, "x"), -1);
    ck_assert_int_eq(b.failed, 1);
    b.len = 0;
    strbuf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("strbuf");
    TCase *tc = tcase_create("strbuf");
    tcase_add_test(tc, appends_build_the_text);
    tcase_add_test(tc, grows_far_past_its_first_allocation);
    tcase_add_test(tc, take_hands_the_text_over);
    tcase_add_test(tc, a_failure_is_reported_once_and_latched);
    tcase_add_test(tc, a_length_past_size_max_is_refused);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
