/* import_fonts.h - a glyph dataset from font files (`ffvae import fonts`):
 * every character of a set, rendered from every face found, as S×S uint8
 * grey images, white glyph on black as in MNIST.
 *
 * Placement, the same for every glyph of a face (so relative sizes survive:
 * lowercase is smaller than capitals, descenders go below the baseline):
 *   scale    = (S − 2m) / (ascent − descent), m = S/32 pixels of margin, from
 *              the face's own vertical metrics (hhea ascent and descent), so
 *              the face's full height, accents to descenders, spans S − 2m;
 *   baseline = m + round(ascent · scale) pixels from the top;
 *   x        = each glyph centred on its own bounding box (horizontal
 *              advance says nothing about where a lone glyph should sit).
 * A glyph whose rendered box does not fit the S×S square is dropped.
 *
 * Faces: every face of every .ttf, .otf and .ttc (collections) file under the
 * folders, in sorted path order, faces of a collection in index order, named
 * "family style" from the name table's legacy entries (IDs 1 and 2, which
 * every face has; the typographic ones are missing or wrong in some fonts).
 * A face is a duplicate, and none of its glyphs is kept, when
 *   - each glyph it renders is byte-identical to one already kept for that
 *     character (the same file shipped twice), or
 *   - its name is a kept face's (the same face in another format, .otf beside
 *     .ttf, or from another package), which would otherwise put one face on
 *     both sides of the split.
 * In the other faces, a glyph byte-identical to one already kept for its
 * character is dropped too. The split is by face: a fraction of the faces,
 * chosen by a seeded shuffle, go to the test split, all their glyphs with them. */
#ifndef FFVAE_IMPORT_FONTS_H
#define FFVAE_IMPORT_FONTS_H

#include "dataset.h"
#include "file_walk.h"

#define FONT_DEFAULT_SIZE 64
#define FONT_DEFAULT_CHARS "A-Za-z0-9"
#define FONT_MAX_CHARS 94          /* the printable ASCII characters, '!' to '~' */
#define FONT_MAX_FILE_BYTES (64L << 20) /* a font file larger than this is refused */

typedef struct {
    int size;             /* S: the images' side */
    const char *chars;    /* the character set: characters and ranges "a-z" */
    float test_fraction;  /* share of the faces in the test split, in [0, 1) */
    unsigned long long seed;
    long limit;           /* keep at most this many faces (in order); < 0: all */
} FontImportOptions;

/* What was found, kept and dropped, and why. */
typedef struct {
    long files, faces_found, faces_kept;
    long bad_files;         /* not a font stb_truetype can read (or too large) */
    long bad_faces;         /* a face of a readable file that would not initialise */
    long duplicate_faces;   /* every glyph identical to one already kept */
    long same_name_faces;   /* the name of a kept face */
    long empty_faces;       /* no glyph of the set renders */
    long glyphs_kept;
    long missing_glyphs;    /* the face has no glyph for the character */
    long blank_glyphs;      /* the glyph renders no pixel */
    long oversized_glyphs;  /* does not fit the square */
    long duplicate_glyphs;  /* byte-identical to one kept for the character */
    FileSkips skips;        /* what the folders held besides font files */
} FontImportCounts;

/* Parses a character set ("A-Za-z0-9", "abc", "!-~") into chars[FONT_MAX_CHARS]
 * (no repeats, in the order given); returns how many, or -1 after reporting. */
int font_charset(char *chars, const char *set);

/* Fills d (train, test, label names, faces; name and source are the caller's)
 * from the folders dirs[n_dirs]. counts (if not NULL) receives the counts
 * above. Returns 0, or -1 after reporting. */
int import_fonts(Dataset *d, const char *const *dirs, int n_dirs, const FontImportOptions *o,
                 FontImportCounts *counts);

#endif
