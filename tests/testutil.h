/* testutil.h - helpers that several Check test programs share. Each fails the
 * running test (with a Check assertion) instead of returning an error. */
#ifndef FFVAE_TESTUTIL_H
#define FFVAE_TESTUTIL_H

#include <stddef.h>

/* calloc that fails the test when it returns NULL; count 0 still gives a block. */
void *alloc_or_fail(size_t count, size_t size);

#endif
