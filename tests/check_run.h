/* check_run.h - the end of every Check test program's main(): run the suite,
 * let Check print its report, and exit non-zero when any test failed. */
#ifndef FFVAE_CHECK_RUN_H
#define FFVAE_CHECK_RUN_H

#include <check.h>

static inline int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

#endif
