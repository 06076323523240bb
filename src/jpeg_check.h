/* jpeg_check.h - refuses, before stb_image decodes it, a JPEG that would make
 * Debian 12's stb_image (git 2022-09-08) write past its Huffman tables.
 *
 * stb_image reads a DHT segment's sixteen code counts and stores that many
 * symbols into a 256-entry table without checking that the counts add up to
 * at most 256 (later stb releases check it). tests/fuzz/fuzz_image found it:
 * tests/fixtures/hostile/dht-overflow.jpg and dht-in-header.jpg. stb parses
 * the tables already when it reads the header (stbi_info), so the check must
 * come before any stb call on the file. */
#ifndef FFVAE_JPEG_CHECK_H
#define FFVAE_JPEG_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* 0 when data[0..size) is not a JPEG to stb_image, or is one whose every
 * Huffman table stb could parse declares at most 256 codes. Otherwise -1, with
 * the offset of the table and its count in *table_offset and *codes. */
int jpeg_huffman_tables_fit(const uint8_t *data, size_t size, long long *table_offset,
                            int *codes);

/* The same, for path's contents (image_check.h maps them): -1 with an
 * ffvae_error naming path and the table when it does not fit. */
int jpeg_check_data(const char *path, const uint8_t *data, size_t size);

#endif
