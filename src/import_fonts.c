/* import_fonts.c - font files to a glyph Dataset (see import_fonts.h): list
 * the fonts, render each face's glyphs with stb_truetype, drop duplicates,
 * split by face. */
#include "import_fonts.h"

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb_truetype.h>

#include "h5check.h"
#include "rng.h"
#include "util.h"
#include <unistd.h>

#define SPLIT_STREAM 12 /* the generator stream that picks the test faces */

int font_charset(char *chars, const char *set)
{
    int n = 0;
    for (const char *p = set; *p; p++) {
        unsigned char lo = (unsigned char)*p, hi = lo;
        if (p[1] == '-' && p[2]) { /* a range; a '-' first or last is itself */
            hi = (unsigned char)p[2];
            p += 2;
        }
        if (lo < '!' || hi > '~' || lo > hi) {
            ffvae_error("--chars '%s': '%c-%c' is not a range of printable ASCII characters "
                        "('!' to '~')", set, lo, hi);
            return -1;
        }
        for (unsigned c = lo; c <= hi; c++)
            if (!memchr(chars, (int)c, (size_t)n))
                chars[n++] = (char)c;
    }
    if (n == 0)
        ffvae_error("--chars '%s': no characters", set);
    return n > 0 ? n : -1;
}

static int is_font_name(const char *name)
{
    static const char *const exts[] = {".ttf", ".otf", ".ttc"};
    return has_extension(name, exts, 3);
}

/* The whole file in a malloc'd buffer; -1 (counted as a bad file by the
 * caller, with a message) when unreadable or larger than FONT_MAX_FILE_BYTES. */
static int read_font_file(const char *path, unsigned char **data)
{
    FILE *f = fopen(path, "rb");
    long size = -1;
    *data = NULL;
    if (f && fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (!f || size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        ffvae_error("%s: cannot read, skipped", path);
    } else if (size == 0 || size > FONT_MAX_FILE_BYTES) {
        ffvae_error("%s: %ld bytes is not a plausible font (at most %ld), skipped", path, size,
                    FONT_MAX_FILE_BYTES);
    } else if ((*data = checked_malloc((size_t)size, 1, path)) &&
               fread(*data, 1, (size_t)size, f) != (size_t)size) {
        ffvae_error("%s: cannot read, skipped", path);
        free(*data);
        *data = NULL;
    }
    if (f)
        fclose(f);
    return *data ? 0 : -1;
}

/* One name-table string as UTF-8: the Windows English entry (UTF-16BE, BMP),
 * else the Macintosh Roman one (taken as ASCII); 0 when the face has neither. */
static int name_string(char *out, size_t size, const stbtt_fontinfo *font, int name_id)
{
    int len;
    const char *s = stbtt_GetFontNameString(font, &len, STBTT_PLATFORM_ID_MICROSOFT,
                                            STBTT_MS_EID_UNICODE_BMP, STBTT_MS_LANG_ENGLISH,
                                            name_id);
    size_t k = 0;
    if (s) {
        for (int i = 0; i + 1 < len && k + 4 < size; i += 2) {
            unsigned c = ((unsigned char)s[i] << 8) | (unsigned char)s[i + 1];
            if (c < 0x80) {
                out[k++] = (char)c;
            } else if (c < 0x800) {
                out[k++] = (char)(0xC0 | c >> 6);
                out[k++] = (char)(0x80 | (c & 0x3F));
            } else {
                out[k++] = (char)(0xE0 | c >> 12);
                out[k++] = (char)(0x80 | (c >> 6 & 0x3F));
                out[k++] = (char)(0x80 | (c & 0x3F));
            }
        }
    } else if ((s = stbtt_GetFontNameString(font, &len, STBTT_PLATFORM_ID_MAC, STBTT_MAC_EID_ROMAN,
                                            STBTT_MAC_LANG_ENGLISH, name_id))) {
        for (int i = 0; i < len && k + 1 < size; i++)
            out[k++] = s[i] >= 0x20 && s[i] < 0x7F ? s[i] : '?';
    }
    out[k] = '\0';
    for (size_t i = 0; i < k; i++) /* names are stored one per line */
        if (out[i] == '\n' || out[i] == '\r')
            out[i] = ' ';
    return k > 0;
}

/* "family style" from the legacy names (1, 2); "unnamed face" without them. */
static void face_name(char *out, size_t size, const stbtt_fontinfo *font)
{
    char family[256], style[256];
    if (!name_string(family, sizeof family, font, 1))
        snprintf(family, sizeof family, "unnamed face");
    if (!name_string(style, sizeof style, font, 2))
        style[0] = '\0';
    snprintf(out, size, "%s%s%s", family, style[0] ? " " : "", style);
}

/* Why a glyph was not rendered. */
enum { GLYPH_OK, GLYPH_MISSING, GLYPH_BLANK, GLYPH_OVERSIZED };

/* Renders codepoint cp into img[S, S] (zeroed here) under the face's
 * placement (import_fonts.h). */
static int render_glyph(uint8_t *img, const stbtt_fontinfo *font, int cp, int S, float scale,
                        int baseline)
{
    int glyph = stbtt_FindGlyphIndex(font, cp), x0, y0, x1, y1;
    if (glyph == 0)
        return GLYPH_MISSING;
    stbtt_GetGlyphBitmapBox(font, glyph, scale, scale, &x0, &y0, &x1, &y1);
    int w = x1 - x0, h = y1 - y0, top = baseline + y0, left = (S - w) / 2;
    if (w <= 0 || h <= 0)
        return GLYPH_BLANK;
    if (w > S || top < 0 || top + h > S)
        return GLYPH_OVERSIZED;
    memset(img, 0, (size_t)S * S);
    stbtt_MakeGlyphBitmap(font, img + (size_t)top * S + left, w, h, S, scale, scale, glyph);
    for (size_t i = 0; i < (size_t)S * S; i++)
        if (img[i])
            return GLYPH_OK;
    return GLYPH_BLANK; /* a box with nothing in it (hinting away a hairline) */
}

/* The glyphs kept so far, and a hash index over them for the duplicate test. */
typedef struct {
    int S;
    uint8_t *images;   /* [n, S, S] */
    int32_t *labels, *faces;
    long n, cap;
    long *slots;       /* open addressing: an index into the glyphs, or -1 */
    long n_slots;      /* a power of two, kept above twice n */
} GlyphStore;

static uint64_t glyph_hash(const uint8_t *img, size_t bytes, int label)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)label; /* FNV-1a */
    for (size_t i = 0; i < bytes; i++)
        h = (h ^ img[i]) * 1099511628211ULL;
    return h;
}

/* The slot holding a glyph identical to img with this label, or the empty
 * slot where it would go. */
static long find_slot(const GlyphStore *g, const uint8_t *img, int label)
{
    size_t bytes = (size_t)g->S * g->S;
    long mask = g->n_slots - 1, s = (long)(glyph_hash(img, bytes, label) & (uint64_t)mask);
    for (;; s = (s + 1) & mask) {
        long i = g->slots[s];
        if (i < 0 || (g->labels[i] == label && memcmp(g->images + i * bytes, img, bytes) == 0))
            return s;
    }
}

static int grow_index(GlyphStore *g)
{
    long n_slots = g->n_slots ? 2 * g->n_slots : 1024;
    long *slots = checked_malloc((size_t)n_slots, sizeof *slots, "glyph index");
    if (!slots)
        return -1;
    free(g->slots);
    g->slots = slots;
    g->n_slots = n_slots;
    for (long s = 0; s < n_slots; s++)
        slots[s] = -1;
    size_t bytes = (size_t)g->S * g->S;
    for (long i = 0; i < g->n; i++)
        slots[find_slot(g, g->images + i * bytes, g->labels[i])] = i;
    return 0;
}

/* 1 when an identical glyph of this label is kept already. */
static int is_kept(const GlyphStore *g, const uint8_t *img, int label)
{
    return g->n_slots > 0 && g->slots[find_slot(g, img, label)] >= 0;
}

static int keep_glyph(GlyphStore *g, const uint8_t *img, int label, int face)
{
    size_t bytes = (size_t)g->S * g->S;
    if (g->n == g->cap) {
        long cap = g->cap ? 2 * g->cap : 4096;
        uint8_t *images = realloc(g->images, (size_t)cap * bytes);
        int32_t *labels = images ? realloc(g->labels, (size_t)cap * sizeof *labels) : NULL;
        if (images)
            g->images = images;
        if (labels)
            g->labels = labels;
        int32_t *faces = labels ? realloc(g->faces, (size_t)cap * sizeof *faces) : NULL;
        if (!faces) {
            ffvae_error("out of memory keeping %ld glyphs", cap);
            return -1;
        }
        g->faces = faces;
        g->cap = cap;
    }
    if (2 * (g->n + 1) > g->n_slots && grow_index(g) != 0)
        return -1;
    memcpy(g->images + g->n * bytes, img, bytes);
    g->labels[g->n] = label;
    g->faces[g->n] = face;
    g->slots[find_slot(g, img, label)] = g->n;
    g->n++;
    return 0;
}

static void glyph_store_free(GlyphStore *g)
{
    free(g->images);
    free(g->labels);
    free(g->faces);
    free(g->slots);
}

typedef struct {
    const FontImportOptions *o;
    const char *chars;
    int n_chars;
    uint8_t *face_glyphs; /* [n_chars, S, S] one face's renders */
    int *rendered;        /* [n_chars] GLYPH_OK or why not */
    GlyphStore store;
    char **names, **files; /* [n_faces] of the kept faces */
    int n_faces, cap_faces;
    FontImportCounts *counts;
} FontImport;

static int add_face(FontImport *fi, const char *name, const char *file)
{
    if (fi->n_faces == fi->cap_faces) {
        int cap = fi->cap_faces ? 2 * fi->cap_faces : 64;
        char **names = realloc(fi->names, (size_t)cap * sizeof *names);
        if (names)
            fi->names = names;
        char **files = names ? realloc(fi->files, (size_t)cap * sizeof *files) : NULL;
        if (!files) {
            ffvae_error("out of memory listing faces");
            return -1;
        }
        fi->files = files;
        fi->cap_faces = cap;
    }
    fi->names[fi->n_faces] = strdup(name);
    fi->files[fi->n_faces] = strdup(file);
    if (!fi->names[fi->n_faces] || !fi->files[fi->n_faces]) {
        free(fi->names[fi->n_faces]);
        free(fi->files[fi->n_faces]);
        ffvae_error("out of memory listing faces");
        return -1;
    }
    fi->n_faces++;
    return 0;
}

/* Renders one face's glyphs and keeps what is new (see import_fonts.h). */
static int import_face(FontImport *fi, const stbtt_fontinfo *font, const char *file)
{
    FontImportCounts *k = fi->counts;
    int S = fi->o->size, margin = S / 32, ascent, descent, gap;
    size_t bytes = (size_t)S * S;
    stbtt_GetFontVMetrics(font, &ascent, &descent, &gap);
    if (ascent - descent <= 0) {
        k->bad_faces++;
        return 0;
    }
    float scale = (float)(S - 2 * margin) / (float)(ascent - descent);
    int baseline = margin + (int)lroundf((float)ascent * scale);
    int any = 0, fresh = 0;
    for (int c = 0; c < fi->n_chars; c++) {
        uint8_t *img = fi->face_glyphs + (size_t)c * bytes;
        fi->rendered[c] = render_glyph(img, font, (unsigned char)fi->chars[c], S, scale, baseline);
        if (fi->rendered[c] == GLYPH_OK) {
            any = 1;
            fresh += !is_kept(&fi->store, img, c);
        }
    }
    if (!any) {
        k->empty_faces++;
        return 0;
    }
    if (!fresh) {
        k->duplicate_faces++;
        return 0;
    }
    char name[600];
    face_name(name, sizeof name, font);
    for (int i = 0; i < fi->n_faces; i++)
        if (strcmp(fi->names[i], name) == 0) {
            k->same_name_faces++;
            return 0;
        }
    if (add_face(fi, name, file) != 0)
        return -1;
    k->faces_kept++;
    for (int c = 0; c < fi->n_chars; c++) {
        const uint8_t *img = fi->face_glyphs + (size_t)c * bytes;
        switch (fi->rendered[c]) {
        case GLYPH_MISSING: k->missing_glyphs++; break;
        case GLYPH_BLANK: k->blank_glyphs++; break;
        case GLYPH_OVERSIZED: k->oversized_glyphs++; break;
        default:
            if (is_kept(&fi->store, img, c)) {
                k->duplicate_glyphs++;
            } else {
                if (keep_glyph(&fi->store, img, c, fi->n_faces - 1) != 0)
                    return -1;
                k->glyphs_kept++;
            }
        }
    }
    return 0;
}

/* Every face of one file; an unreadable file or face is counted, not fatal. */
static int import_file(FontImport *fi, const char *path)
{
    unsigned char *data;
    FontImportCounts *k = fi->counts;
    k->files++;
    if (read_font_file(path, &data) != 0) {
        k->bad_files++;
        return 0;
    }
    int n = stbtt_GetNumberOfFonts(data), rc = 0;
    if (n <= 0) {
        ffvae_error("%s: not a TrueType or OpenType font, skipped", path);
        k->bad_files++;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        if (fi->o->limit >= 0 && k->faces_kept >= fi->o->limit)
            break;
        stbtt_fontinfo font;
        int offset = stbtt_GetFontOffsetForIndex(data, i);
        k->faces_found++;
        if (offset < 0 || !stbtt_InitFont(&font, data, offset)) {
            ffvae_error("%s: face %d cannot be read, skipped", path, i);
            k->bad_faces++;
            continue;
        }
        rc = import_face(fi, &font, path);
    }
    free(data);
    return rc;
}

/* The child's run of a font file (h5check.h): all of import_file, on the
 * child's copy of the import, silently (the parent says what it finds when it
 * reads the file again). Always 0: only a crash, hang or blow-up counts. */
static int check_font_file(const char *path, void *arg)
{
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0)
        dup2(fd, STDERR_FILENO);
    import_file(arg, path);
    return 0;
}

/* stb_truetype trusts every offset in a font file (its own header says not
 * to use it on untrusted fonts), so each file is read first in a child under
 * limits, as the HDF5 loaders do: a file that takes it down is named and
 * counted as a bad file, and the import goes on without it. */
static int import_file_checked(FontImport *fi, const char *path)
{
    if (h5check_run_reader(path, check_font_file, fi, "font file", "stb_truetype") != 0) {
        fi->counts->files++;
        fi->counts->bad_files++;
        return 0;
    }
    return import_file(fi, path);
}

static int alloc_split(Split *s, int n, int S)
{
    s->n = n;
    s->h = s->w = S;
    s->c = 1;
    s->images = checked_malloc(n ? (size_t)n : 1, (size_t)S * S, "glyph images");
    s->labels = checked_malloc(n ? (size_t)n : 1, sizeof(int32_t), "glyph labels");
    s->faces = checked_malloc(n ? (size_t)n : 1, sizeof(int32_t), "glyph faces");
    return s->images && s->labels && s->faces ? 0 : -1;
}

/* Moves the kept glyphs into the two splits: the first n_test faces of a
 * seeded shuffle are the test faces; each split keeps the glyphs' order. */
static int split_by_face(Dataset *d, FontImport *fi)
{
    const FontImportOptions *o = fi->o;
    const GlyphStore *g = &fi->store;
    int F = fi->n_faces, n_test_faces = (int)floor((double)o->test_fraction * F + 0.5);
    if (n_test_faces >= F) {
        ffvae_error("test fraction %g of %d faces leaves none for training",
                    (double)o->test_fraction, F);
        return -1;
    }
    int32_t *order = checked_malloc((size_t)F, sizeof *order, "face order");
    uint8_t *is_test = checked_calloc((size_t)F, 1, "face split");
    int rc = order && is_test ? 0 : -1;
    if (rc == 0) {
        for (int i = 0; i < F; i++)
            order[i] = i;
        Rng r;
        rng_seed(&r, o->seed, SPLIT_STREAM);
        rng_shuffle(&r, order, F);
        for (int i = 0; i < n_test_faces; i++)
            is_test[order[i]] = 1;
        long n_test = 0;
        for (long i = 0; i < g->n; i++)
            n_test += is_test[g->faces[i]];
        rc = alloc_split(&d->train, (int)(g->n - n_test), g->S) == 0 &&
                     alloc_split(&d->test, (int)n_test, g->S) == 0
                 ? 0
                 : -1;
    }
    size_t bytes = (size_t)g->S * g->S;
    int counts[2] = {0, 0};
    for (long i = 0; rc == 0 && i < g->n; i++) {
        int t = is_test[g->faces[i]];
        Split *s = t ? &d->test : &d->train;
        int k = counts[t]++;
        memcpy(s->images + (size_t)k * bytes, g->images + (size_t)i * bytes, bytes);
        s->labels[k] = g->labels[i];
        s->faces[k] = g->faces[i];
    }
    free(order);
    free(is_test);
    return rc;
}

/* Label names (each character as a string) and the faces move into d. */
static int name_labels_and_faces(Dataset *d, FontImport *fi)
{
    d->label_names = checked_calloc((size_t)fi->n_chars, sizeof(char *), "label names");
    if (!d->label_names)
        return -1;
    for (int c = 0; c < fi->n_chars; c++) {
        char s[2] = {fi->chars[c], '\0'};
        if (!(d->label_names[c] = strdup(s))) {
            ffvae_error("out of memory naming labels");
            return -1;
        }
        d->n_label_names = c + 1;
    }
    d->face_names = fi->names;
    d->face_files = fi->files;
    d->n_faces = fi->n_faces;
    fi->names = fi->files = NULL;
    fi->n_faces = 0;
    return 0;
}

int import_fonts(Dataset *d, const char *const *dirs, int n_dirs, const FontImportOptions *o,
                 FontImportCounts *counts)
{
    char chars[FONT_MAX_CHARS];
    FontImportCounts local;
    FontImport fi = {.o = o, .chars = chars, .counts = counts ? counts : &local};
    FileList files = {0};
    memset(fi.counts, 0, sizeof *fi.counts);
    if (o->size < 8 || o->size > 1024) {
        ffvae_error("glyph size %d is out of range (8..1024)", o->size);
        return -1;
    }
    if (!(o->test_fraction >= 0.0f && o->test_fraction < 1.0f)) {
        ffvae_error("test fraction %g is not in [0, 1)", (double)o->test_fraction);
        return -1;
    }
    if ((fi.n_chars = font_charset(chars, o->chars)) < 0)
        return -1;
    fi.store.S = o->size;
    size_t bytes = (size_t)o->size * o->size;
    fi.face_glyphs = checked_malloc((size_t)fi.n_chars, bytes, "a face's glyphs");
    fi.rendered = checked_malloc((size_t)fi.n_chars, sizeof(int), "glyph results");
    int rc = fi.face_glyphs && fi.rendered ? 0 : -1;
    for (int i = 0; i < n_dirs && rc == 0; i++)
        rc = file_list_collect(&files, dirs[i], 0, 1, is_font_name, NULL, &fi.counts->skips);
    if (rc == 0 && files.n == 0) {
        ffvae_error("%s%s: no font files found (looked for .ttf, .otf, .ttc)", dirs[0],
                    n_dirs > 1 ? " and the other folders" : "");
        rc = -1;
    }
    for (long i = 0; i < files.n && rc == 0; i++)
        rc = import_file_checked(&fi, files.files[i].path);
    if (rc == 0 && fi.n_faces == 0) {
        ffvae_error("%s: no face rendered any glyph of '%s'", dirs[0], o->chars);
        rc = -1;
    }
    if (rc == 0)
        rc = split_by_face(d, &fi);
    if (rc == 0)
        rc = name_labels_and_faces(d, &fi);
    for (int i = 0; i < fi.n_faces; i++) {
        free(fi.names[i]);
        free(fi.files[i]);
    }
    free(fi.names);
    free(fi.files);
    free(fi.face_glyphs);
    free(fi.rendered);
    glyph_store_free(&fi.store);
    file_list_free(&files);
    if (rc != 0)
        dataset_free(d);
    return rc;
}
