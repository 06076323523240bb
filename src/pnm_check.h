/* pnm_check.h - refuses, before stb_image reads it, a binary PGM/PPM whose
 * header holds a number too large for an int.
 *
 * Debian 12's stb_image (git 2022-09-08) accumulates the width, height and
 * maximum value in an int without a bound, which is undefined behaviour past
 * INT_MAX (later stb releases check it). tests/fuzz/fuzz_image found it:
 * tests/fixtures/hostile/pnm-header-overflow.pgm. stbi_info reads the header,
 * so the check comes before any stb call on the file. */
#ifndef FFVAE_PNM_CHECK_H
#define FFVAE_PNM_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* 0 when data[0..size) is not a P5/P6 file, or is one whose three header numbers
 * each fit in an int, read as stb_image reads them (whitespace and '#'
 * comments between them). Otherwise -1, with the number's index (0 width,
 * 1 height, 2 maximum value) in *field. Reads only the header. */
int pnm_header_fits(const uint8_t *data, size_t size, int *field);

/* The same, for path's contents (image_check.h maps them): -1 with an
 * ffvae_error naming path and the number. */
int pnm_check_data(const char *path, const uint8_t *data, size_t size);

#endif
