/* test_png_check.c - png_check.c's refusal of a PNG chunk longer than the
 * file: hand-made chunk sequences at the boundary, the PNG limit of 2^31 - 1,
 * other formats left alone, the fuzzer's finding, and real files passing. */
#include "image_check.h"
#include "png_check.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static const unsigned char signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};

/* Appends a chunk header (length, type) and fill data bytes to buf at *n. */
static void put_chunk(unsigned char *buf, size_t *n, unsigned long length, const char *type,
                      size_t data)
{
    unsigned char *p = buf + *n;
    p[0] = (unsigned char)(length >> 24);
    p[1] = (unsigned char)(length >> 16);
    p[2] = (unsigned char)(length >> 8);
    p[3] = (unsigned char)length;
    memcpy(p + 4, type, 4);
    memset(p + 8, 0, data);
    *n += 8 + data;
}

/* What png_chunks_fit says of the chunk it refuses. */
typedef struct {
    long long offset;
    char type[5];
    unsigned long length;
} Refusal;

/* png_chunks_fit over buf[0..n). */
static int check_bytes(const unsigned char *buf, size_t n, Refusal *r)
{
    r->offset = -1;
    return png_chunks_fit(buf, n, &r->offset, r->type, &r->length);
}

START_TEST(a_chunk_up_to_the_files_end_passes_and_one_byte_more_is_refused)
{
    unsigned char buf[256];
    size_t n = 8;
    Refusal r;
    memcpy(buf, signature, 8);
    put_chunk(buf, &n, 13, "IHDR", 13 + 4);
    /* A second chunk whose data and CRC end exactly at the file's end. */
    put_chunk(buf, &n, 20, "IDAT", 20 + 4);
    ck_assert_int_eq(check_bytes(buf, n, &r), 0);
    /* Data that reach the end, leaving no room for the CRC: the decoder's to refuse. */
    buf[33 + 3] = 24;
    ck_assert_int_eq(check_bytes(buf, n, &r), 0);
    buf[33 + 3] = 25;
    ck_assert_int_eq(check_bytes(buf, n, &r), -1);
    ck_assert_int_eq(r.offset, 33);
    ck_assert_str_eq(r.type, "IDAT");
    ck_assert_uint_eq(r.length, 25);
}
END_TEST

START_TEST(the_png_limit_holds_whatever_the_file_size)
{
    /* 2^31 - 1 is the PNG specification's largest chunk; past it, refused even
     * in a file big enough to hold it: 2 GiB and a little, of which only the
     * pages the walk touches are ever given memory. */
    size_t big = ((size_t)1 << 31) + 64;
    unsigned char *file = mmap(NULL, big, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ck_assert_ptr_ne(file, MAP_FAILED);
    size_t n = 8;
    Refusal r;
    memcpy(file, signature, 8);
    put_chunk(file, &n, 0x7fffffffUL, "IDAT", 0);
    ck_assert_int_eq(check_bytes(file, big, &r), 0);
    n = 8;
    put_chunk(file, &n, 0x80000000UL, "IDAT", 0);
    ck_assert_int_eq(check_bytes(file, big, &r), -1);
    ck_assert_int_eq(r.offset, 8);
    ck_assert_uint_eq(r.length, 0x80000000UL);
    munmap(file, big);
    /* Nothing after IEND is read: a lying chunk there is no chunk. */
    unsigned char buf[64];
    memcpy(buf, signature, 8);
    n = 8;
    put_chunk(buf, &n, 0, "IEND", 4);
    put_chunk(buf, &n, 0xffffffffUL, "IDAT", 0);
    ck_assert_int_eq(check_bytes(buf, n, &r), 0);
}
END_TEST

START_TEST(other_formats_and_short_files_are_left_alone)
{
    unsigned char buf[64];
    Refusal r;
    memcpy(buf, "GIF89a\xff\xff\xff\xff\xff\xff\xff\xff", 14);
    ck_assert_int_eq(check_bytes(buf, 14, &r), 0);
    memcpy(buf, signature, 8);
    ck_assert_int_eq(check_bytes(buf, 5, &r), 0);
    ck_assert_int_eq(check_bytes(buf, 8, &r), 0);
    /* A chunk header cut short: the decoder refuses it. */
    memcpy(buf + 8, "\xff\xff\xff", 3);
    ck_assert_int_eq(check_bytes(buf, 11, &r), 0);
}
END_TEST

START_TEST(the_fuzzers_finding_is_refused_and_real_files_pass)
{
    char path[4096], msg[2048];
    srcdir_path(path, sizeof path, "tests/fixtures/hostile/png-chunk-length.png");
    stderr_capture_begin();
    int rc = image_check_file(path);
    stderr_capture_end(msg, sizeof msg);
    ck_assert_int_eq(rc, -1);
    ck_assert_has(msg, "png-chunk-length.png: damaged or hostile PNG: the )??? chunk at byte 360 "
                       "declares 3720792521 bytes, more than the 386 left in the file");
    const char *real[] = {"tests/fixtures/images/red/a.png", "tests/fixtures/images/red/b.jpg",
                          "tests/fixtures/hostile/pnm16-convert.pgm"};
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++)
        ck_assert_int_eq(image_check_file(srcdir_path(path, sizeof path, "%s", real[i])), 0);
    ck_assert_int_eq(image_check_file("/nonexistent/ffvae-png"), 0);
}
END_TEST

static Suite *png_check_suite(void)
{
    Suite *s = suite_create("png_check");
    TCase *t = tcase_create("png_check");
    tcase_add_test(t, a_chunk_up_to_the_files_end_passes_and_one_byte_more_is_refused);
    tcase_add_test(t, the_png_limit_holds_whatever_the_file_size);
    tcase_add_test(t, other_formats_and_short_files_are_left_alone);
    tcase_add_test(t, the_fuzzers_finding_is_refused_and_real_files_pass);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return run_suite(png_check_suite());
}
