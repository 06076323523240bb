/* png_check.h - refuses, before stb_image reads it, a PNG whose chunk declares
 * more bytes than the file has left.
 *
 * Debian 12's stb_image (git 2022-09-08) takes chunk lengths as they come. In
 * a 754-byte file, a chunk that declares 3 720 792 521 bytes is a negative
 * int to stbi__skip, which then jumps to the end of its read buffer instead;
 * stb has lost its place, reads later bytes as an IDAT of 1 073 742 051
 * bytes, and grows its buffer to 2 GiB for it before reading a byte
 * (tests/fuzz/fuzz_image found it:
 * tests/fixtures/hostile/png-chunk-length.png). A chunk cannot be longer than
 * the rest of the file, nor than 2^31 - 1 bytes (the PNG specification's
 * limit), so such a file is damaged or hostile whatever the chunk is. */
#ifndef FFVAE_PNG_CHECK_H
#define FFVAE_PNG_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* 0 when data[0..size) is not a PNG, or is one whose every chunk up to IEND
 * (or the end) fits in the bytes after its header. Otherwise -1, with the
 * chunk's offset, its type (4 characters and a NUL) and its declared length.
 * Reads only the chunk headers. */
int png_chunks_fit(const uint8_t *data, size_t size, long long *offset, char type[5],
                   unsigned long *length);

/* The same, for path's contents (image_check.h maps them): -1 with an
 * ffvae_error naming path and the chunk. */
int png_check_data(const char *path, const uint8_t *data, size_t size);

#endif
