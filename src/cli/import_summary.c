/* import_summary.c - what `ffvae import` prints after the dataset is written:
 * what was left out, and why (import_summary.h). */
#include "import_summary.h"

#include <stdio.h>

/* "skipped 3 entries in DIR: 1 not an image (by extension), 2 symlink loops", then
 * the loops named. */
void print_skips(const char *dir, const FileSkips *k, const char *unwanted_one,
                 const char *unwanted_many)
{
    long total = file_skips_total(k);
    if (total == 0)
        return;
    const struct {
        long n;
        const char *one, *many;
    } reasons[] = {{k->unwanted, unwanted_one, unwanted_many},
                   {k->hidden, "hidden", "hidden"},
                   {k->dangling, "dangling symlink", "dangling symlinks"},
                   {k->loops, "symlink loop", "symlink loops"},
                   {k->unreadable, "unreadable", "unreadable"},
                   {k->special, "not a regular file", "not regular files"}};
    printf("skipped %ld entr%s in %s:", total, total == 1 ? "y" : "ies", dir);
    const char *sep = " ";
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        if (reasons[i].n == 0)
            continue;
        printf("%s%ld %s", sep, reasons[i].n, reasons[i].n == 1 ? reasons[i].one : reasons[i].many);
        sep = ", ";
    }
    printf("\n");
    for (long i = 0; i < k->loops && i < SKIP_NAMED; i++)
        printf("  symlink loop: %s\n", k->loop_paths[i]);
    if (k->loops > SKIP_NAMED)
        printf("  ... and %ld more symlink loops\n", k->loops - SKIP_NAMED);
}


void print_font_counts(const FontImportCounts *k)
{
    printf("faces: %ld found in %ld files, %ld kept; dropped: %ld duplicates (every glyph "
           "identical to a kept one), %ld with a kept face's name, %ld with no glyph of the "
           "set, %ld unreadable faces, %ld unreadable files\n",
           k->faces_found, k->files, k->faces_kept, k->duplicate_faces, k->same_name_faces,
           k->empty_faces, k->bad_faces, k->bad_files);
    printf("glyphs: %ld kept; dropped: %ld missing from their face, %ld blank, %ld too large "
           "for the square, %ld identical to a kept glyph of the same character\n",
           k->glyphs_kept, k->missing_glyphs, k->blank_glyphs, k->oversized_glyphs,
           k->duplicate_glyphs);
}

/* How many distinct faces a split's images come from. */
static int count_faces(const Split *s, int n_faces)
{
    int n = 0;
    for (int f = 0; f < n_faces; f++)
        for (int i = 0; i < s->n; i++)
            if (s->faces[i] == f) {
                n++;
                break;
            }
    return n;
}

void print_import_summary(const ImportRequest *r, const Dataset *d, double seconds)
{
    printf("imported %s: %d train + %d test images of %dx%dx%d -> %s (%.1f s)\n", d->name,
           d->train.n, d->test.n, d->train.h, d->train.w, d->train.c, r->output, seconds);
    if (r->source == IMPORT_FONTS) {
        printf("%d faces, %d in the test split\n", d->n_faces, count_faces(&d->test, d->n_faces));
        print_font_counts(r->font_counts);
        print_skips(r->n_dirs > 1 ? "the font folders" : r->dir, &r->font_counts->skips,
                    "not a font (by extension)", "not fonts (by extension)");
    } else if (r->source == IMPORT_IMAGES) {
        print_skips(r->dir, r->images.skips, "not an image (by extension)",
                    "not images (by extension)");
    }
}
