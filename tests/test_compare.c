/* test_compare.c - the report's summaries and verdict on fixed metric tables. */
#include "compare.h"

#include "check_run.h"
#include <check.h>
#include <math.h>
#include <string.h>

static ModelSummary model(const char *name, int seeds, double hf, double hf_sd, double psnr)
{
    ModelSummary s;
    memset(&s, 0, sizeof s);
    strcpy(s.name, name);
    s.seeds = seeds;
    s.stat[METRIC_HF_RECON] = (Stat){hf, hf_sd};
    s.stat[METRIC_PSNR] = (Stat){psnr, 0.1};
    s.stat[METRIC_NELBO] = (Stat){300 - psnr, 1};
    return s;
}

/* compare_verdict on s[0..n) gives a verdict (into buf), clear or not as want_clear says. */
static void expect_verdict(char *buf, size_t size, const ModelSummary *s, int n, int want_clear)
{
    int clear;
    ck_assert_int_eq(compare_verdict(buf, size, s, n, &clear), 1);
    ck_assert_int_eq(clear, want_clear);
}

START_TEST(stat_is_mean_and_sample_sd)
{
    double x[4] = {1, 2, 3, 4};
    Stat s = stat_of(x, 4);
    ck_assert_double_eq_tol(s.mean, 2.5, 1e-12);
    ck_assert_double_eq_tol(s.sd, sqrt(5.0 / 3.0), 1e-12);
    s = stat_of(x, 1);
    ck_assert_double_eq(s.mean, 1);
    ck_assert_double_eq(s.sd, 0);
}
END_TEST

START_TEST(columns_pick_their_own_best)
{
    ModelSummary s[3] = {model("coords", 3, 0.30, 0.01, 18), model("fourier", 3, 0.80, 0.02, 21),
                         model("noisy", 3, 1.60, 0.02, 19)};
    ck_assert_int_eq(best_in_column(s, 3, METRIC_PSNR), 1);
    ck_assert_int_eq(best_in_column(s, 3, METRIC_NELBO), 1); /* lowest wins */
    /* closest to 1 in ratio: |ln 0.8| = 0.22 beats |ln 1.6| = 0.47 */
    ck_assert_int_eq(best_in_column(s, 3, METRIC_HF_RECON), 1);
    ck_assert_double_eq_tol(sharpness_gap(1.0), 0.0, 1e-15);
    ck_assert_double_eq_tol(sharpness_gap(0.5), sharpness_gap(2.0), 1e-12);
}
END_TEST

START_TEST(clear_winner_beyond_the_spread)
{
    ModelSummary s[3] = {model("coords", 3, 0.30, 0.01, 18), model("fourier", 3, 0.80, 0.02, 21),
                         model("dense", 3, 0.10, 0.01, 17)};
    char buf[1024];
    expect_verdict(buf, sizeof buf, s, 3, 1);
    ck_assert_ptr_nonnull(strstr(buf, "**fourier**"));
    ck_assert_ptr_nonnull(strstr(buf, "coords")); /* the runner-up is named */
    ck_assert_ptr_nonnull(strstr(buf, "larger than the spread over 3 seeds"));
}
END_TEST

START_TEST(no_winner_within_the_spread)
{
    ModelSummary s[2] = {model("a", 3, 0.50, 0.10, 18), model("b", 3, 0.55, 0.10, 18)};
    char buf[1024];
    expect_verdict(buf, sizeof buf, s, 2, 0);
    ck_assert_ptr_nonnull(strstr(buf, "within the spread"));
}
END_TEST

START_TEST(one_seed_draws_no_conclusion)
{
    ModelSummary s[2] = {model("a", 1, 0.2, 0, 18), model("b", 1, 0.9, 0, 18)};
    char buf[1024];
    expect_verdict(buf, sizeof buf, s, 2, 0);
    ck_assert_ptr_nonnull(strstr(buf, "--seeds 3"));
    int clear;
    ck_assert_int_eq(compare_verdict(buf, sizeof buf, s, 1, &clear), 0);
    ck_assert_ptr_nonnull(strstr(buf, "nothing to compare"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compare");
    TCase *tc = tcase_create("verdict");
    tcase_add_test(tc, stat_is_mean_and_sample_sd);
    tcase_add_test(tc, columns_pick_their_own_best);
    tcase_add_test(tc, clear_winner_beyond_the_spread);
    tcase_add_test(tc, no_winner_within_the_spread);
    tcase_add_test(tc, one_seed_draws_no_conclusion);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
