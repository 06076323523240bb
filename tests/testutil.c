/* testutil.c - the helpers of testutil.h. */
#include "testutil.h"

#include <check.h>
#include <stdlib.h>

void *alloc_or_fail(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size);
    ck_assert_ptr_nonnull(p);
    return p;
}
