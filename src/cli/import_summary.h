/* import_summary.h - the lines `ffvae import` prints after a dataset is
 * written: the entries a folder held that were not read, and, for fonts, the
 * faces and glyphs kept and dropped with the reasons. */
#ifndef FFVAE_CLI_IMPORT_SUMMARY_H
#define FFVAE_CLI_IMPORT_SUMMARY_H

#include "file_walk.h"
#include "import.h"
#include "import_fonts.h"

/* "skipped N entries in DIR: ..." (nothing when none); unwanted_one and
 * unwanted_many say what the files left out by their extension were not:
 * "not an image (by extension)", "not images (by extension)". */
void print_skips(const char *dir, const FileSkips *k, const char *unwanted_one,
                 const char *unwanted_many);
void print_font_counts(const FontImportCounts *k);

/* The summary line of an import (what, how many, where, how long), then
 * what was left out and why: all of it for `ffvae import`. */
void print_import_summary(const ImportRequest *r, const Dataset *d, double seconds);

#endif
