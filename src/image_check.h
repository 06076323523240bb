/* image_check.h - the checks an image file passes before stb_image reads any
 * of it (Debian 12's stb_image trusts what it reads: jpeg_check.h,
 * pnm_check.h and png_check.h say where). The file is mapped once and each
 * format's check reads the mapping; each passes a file not of its format. */
#ifndef FFVAE_IMAGE_CHECK_H
#define FFVAE_IMAGE_CHECK_H

/* 0 when stb_image may read path. -1 with an ffvae_error naming path when it
 * is not a regular file, cannot be mapped, or fails a format's check. A file
 * that cannot be opened passes (its reader says why). */
int image_check_file(const char *path);

#endif
