/* test_jpeg_check.c - jpeg_check.c's refusal of Huffman tables of more than
 * 256 codes: hand-made segments, the fuzzer's finding, the real fixtures,
 * and random files against a plain reference that walks every 0xFF 0xC4
 * pair as stb_image would read a DHT segment there. */
#include "image_check.h"
#include "jpeg_check.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reference: every pair, its tables walked one by one while the
 * segment's length lasts, zeros past the end (stb's get8). Quadratic, and
 * plain on purpose. */
static unsigned at(const uint8_t *d, size_t n, size_t i)
{
    return i < n ? d[i] : 0;
}

static int reference_fits(const uint8_t *d, size_t n, long long *offset, int *codes)
{
    size_t i = 1;
    if (at(d, n, 0) != 0xFF)
        return 0;
    while (i < n && d[i] == 0xFF)
        i++;
    if (at(d, n, i) != 0xD8)
        return 0;
    long long bad = -1; /* the fast check reports the refused segment nearest the end */
    int bad_codes = 0;
    for (size_t c = 0; c + 1 < n; c++) {
        if (d[c] != 0xFF || d[c + 1] != 0xC4)
            continue;
        long left = (long)(at(d, n, c + 2) << 8 | at(d, n, c + 3)) - 2;
        size_t t = c + 4;
        while (left > 0) {
            unsigned q = at(d, n, t);
            if ((q >> 4) > 1 || (q & 15) > 3)
                break;
            int sum = 0;
            for (int k = 1; k <= 16; k++)
                sum += (int)at(d, n, t + (size_t)k);
            if (sum > 256) {
                bad = (long long)t;
                bad_codes = sum;
                break;
            }
            left -= 17 + sum;
            t += 17 + (size_t)sum;
        }
    }
    if (bad < 0)
        return 0;
    *offset = bad;
    *codes = bad_codes;
    return -1;
}

/* FF D8, then a DHT segment of the given length holding a table of class 0
 * id 0 with `codes` codes (as counts of 255, then the rest), its symbols,
 * then more zeros. */
static size_t dht_file(uint8_t *out, size_t cap, int length, int codes)
{
    memset(out, 0, cap);
    size_t n = 0;
    out[n++] = 0xFF; out[n++] = 0xD8;
    out[n++] = 0xFF; out[n++] = 0xC4;
    out[n++] = (uint8_t)(length >> 8); out[n++] = (uint8_t)length;
    out[n++] = 0x00; /* class 0, id 0 */
    for (int k = 0; k < 16; k++) {
        int c = codes > 255 ? 255 : codes;
        out[n++] = (uint8_t)c;
        codes -= c;
    }
    return cap;
}

START_TEST(a_table_of_more_than_256_codes_is_refused)
{
    uint8_t f[1024];
    long long offset = 0;
    int codes = 0;
    dht_file(f, sizeof f, 2 + 17 + 300, 300);
    ck_assert_int_eq(jpeg_huffman_tables_fit(f, sizeof f, &offset, &codes), -1);
    ck_assert_int_eq(offset, 6);
    ck_assert_int_eq(codes, 300);
    dht_file(f, sizeof f, 2 + 17 + 256, 256); /* the most stb's tables hold */
    ck_assert_int_eq(jpeg_huffman_tables_fit(f, sizeof f, &offset, &codes), 0);
    dht_file(f, sizeof f, 2, 300); /* length 2: no table in the segment */
    ck_assert_int_eq(jpeg_huffman_tables_fit(f, sizeof f, &offset, &codes), 0);
    dht_file(f, sizeof f, 2 + 17 + 300, 300);
    f[6] = 0x24; /* class 2: stb stops at the class byte */
    ck_assert_int_eq(jpeg_huffman_tables_fit(f, sizeof f, &offset, &codes), 0);
    dht_file(f, sizeof f, 2 + 17 + 300, 300);
    f[0] = 0x89; /* not a JPEG to stb: another decoder reads it */
    ck_assert_int_eq(jpeg_huffman_tables_fit(f, sizeof f, &offset, &codes), 0);
    dht_file(f, sizeof f, 2 + 17 + 300, 300);
    ck_assert_int_eq(jpeg_huffman_tables_fit(f, 10, &offset, &codes), -1); /* counts cut off */
}
END_TEST

START_TEST(a_bad_table_counts_only_within_its_segment)
{
    /* A table of one code (18 bytes), then a bad one at 6 + 18 = 24. */
    uint8_t f[1024];
    long long offset = 0;
    int codes = 0;
    dht_file(f, sizeof f, 2 + 18 + 17, 1);
    f[24] = 0x11; /* class 1, id 1 */
    f[25] = 200;
    f[26] = 100;
    ck_assert_int_eq(jpeg_huffman_tables_fit(f, sizeof f, &offset, &codes), -1);
    ck_assert_int_eq(offset, 24);
    ck_assert_int_eq(codes, 300);
    f[5] = 2 + 18; /* the segment ends after the first table */
    ck_assert_int_eq(jpeg_huffman_tables_fit(f, sizeof f, &offset, &codes), 0);
    f[5] = 2 + 18 + 1; /* one byte more: stb goes on to the next table */
    ck_assert_int_eq(jpeg_huffman_tables_fit(f, sizeof f, &offset, &codes), -1);
}
END_TEST

START_TEST(random_files_agree_with_the_reference)
{
    enum { SIZE = 6000 };
    uint8_t *f = malloc(SIZE);
    ck_assert_ptr_nonnull(f);
    srand(20261202);
    int refused = 0;
    for (int trial = 0; trial < 400; trial++) {
        size_t n = 4 + (size_t)(rand() % (SIZE - 4));
        for (size_t i = 0; i < n; i++) /* mostly small bytes, so that 16 of them sum about 256 */
            f[i] = (uint8_t)(rand() % 16 == 0 ? rand() % 256 : rand() % 24);
        f[0] = 0xFF;
        f[1] = (trial % 5 == 0) ? 0xFF : (trial % 7 == 0) ? 0x00 : 0xD8; /* fill byte; no JPEG */
        if (trial % 5 == 0)
            f[2] = 0xD8;
        int pairs = 1 + rand() % 4;
        for (int k = 0; k < pairs; k++) { /* DHT pairs with lengths of up to 767 */
            size_t c = 2 + (size_t)rand() % (n - 2);
            f[c] = 0xFF;
            if (c + 1 < n) f[c + 1] = 0xC4;
            if (c + 2 < n) f[c + 2] = (uint8_t)(rand() % 3);
            if (c + 3 < n) f[c + 3] = (uint8_t)rand();
        }
        long long fast_offset = -1, ref_offset = -1;
        int fast_codes = -1, ref_codes = -1;
        int fast = jpeg_huffman_tables_fit(f, n, &fast_offset, &fast_codes);
        int ref = reference_fits(f, n, &ref_offset, &ref_codes);
        ck_assert_msg(fast == ref, "trial %d (%zu bytes): fast %d, reference %d", trial, n, fast,
                      ref);
        if (ref != 0) {
            refused++;
            ck_assert_int_eq(fast_offset, ref_offset);
            ck_assert_int_eq(fast_codes, ref_codes);
        }
    }
    /* Both outcomes must occur, or the comparison proves little. */
    ck_assert_int_gt(refused, 40);
    ck_assert_int_lt(refused, 360);
    free(f);
}
END_TEST

START_TEST(the_fuzzers_finding_is_refused_and_real_jpegs_pass)
{
    char path[4096], msg[2048];
    srcdir_path(path, sizeof path, "tests/fixtures/hostile/dht-overflow.jpg");
    stderr_capture_begin();
    int rc = image_check_file(path);
    stderr_capture_end(msg, sizeof msg);
    ck_assert_int_eq(rc, -1);
    ck_assert_has(msg, "dht-overflow.jpg: damaged or hostile JPEG: the Huffman table at byte ");
    ck_assert_has(msg, "more than 256");
    srcdir_path(path, sizeof path, "tests/fixtures/hostile/dht-in-header.jpg");
    stderr_capture_begin();
    rc = image_check_file(path);
    stderr_capture_end(msg, sizeof msg);
    ck_assert_int_eq(rc, -1);
    ck_assert_has(msg, "dht-in-header.jpg: damaged or hostile JPEG: the Huffman table at byte 177 "
                       "declares 267 codes");
    const char *real[] = {"tests/fixtures/images/red/b.jpg", "tests/fixtures/images/blue/f.jpeg",
                          "tests/fixtures/images/red/a.png"};
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++)
        ck_assert_int_eq(image_check_file(srcdir_path(path, sizeof path, "%s", real[i])), 0);
}
END_TEST

static Suite *jpeg_check_suite(void)
{
    Suite *s = suite_create("jpeg_check");
    TCase *t = tcase_create("jpeg_check");
    tcase_add_test(t, a_table_of_more_than_256_codes_is_refused);
    tcase_add_test(t, a_bad_table_counts_only_within_its_segment);
    tcase_add_test(t, random_files_agree_with_the_reference);
    tcase_add_test(t, the_fuzzers_finding_is_refused_and_real_jpegs_pass);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(jpeg_check_suite());
}
