/* model_config.c - reads, checks and writes model definitions (models/NAME.ini).
 *
 * One table (KEYS) describes every key: its section, type, range and field.
 * Parsing, range checks, error messages and writing are all walks over it, so
 * a new key is one line here plus a field in ModelConfig.
 *
 * inih does the INI syntax. Debian builds it without INI_HANDLER_LINENO, so we
 * feed it through our own line reader (ini_parse_stream) which counts the lines
 * it hands over: when inih calls the handler, the line it is working on is the
 * last one the reader gave it. The reader also follows every "[section]" line
 * with a probe line ("<PROBE_KEY>=1") so that the handler sees each section
 * header, even an empty one, and can reject an unknown section on its own line. */
#include "model_config.h"

#include "model_find.h"
#include "onednn.h"
#include "sizes.h"
#include "util.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- the key table ------------------------------------------------------ */

typedef enum { KEY_INT, KEY_FLOAT, KEY_ENUM, KEY_STRING, KEY_LIST } KeyType;

/* Which ends of [lo, hi] are open, for floats. */
enum { OPEN_LO = 1, OPEN_HI = 2 };

typedef struct {
    const char *section, *key;
    KeyType type;
    size_t offset;            /* of the field in ModelConfig */
    double lo, hi;            /* value range (ints, floats, list entries); length for strings */
    int open;                 /* OPEN_LO / OPEN_HI for floats */
    const char *const *names; /* enum names (index = value); for ints, the only values allowed */
    int required;
} KeyDesc;

/* In Likelihood order. */
static const char *const LIKELIHOOD_NAMES[] = {"bernoulli", "gaussian", "continuous_bernoulli",
                                              "laplace", NULL};
static const char *const DECODER_NAMES[] = {"coord", "dense", "conv", NULL};
static const char *const ENCODER_NAMES[] = {"mlp", "conv", NULL};
static const char *const CONDITIONING_NAMES[] = {"input", "film", NULL};
static const char *const ENCODING_NAMES[] = {"none", "basic", "positional", "gaussian",
                                             "spectrum", NULL};
static const char *const ACTIVATION_NAMES[] = {"relu", "sine", NULL};
static const char *const PRECISION_NAMES[] = {"fp32", "bf16", "auto", NULL};
static const char *const CHANNEL_VALUES[] = {"1", "3", NULL};
static const char *const REDUCE_NAMES[] = {"exact", "fast", NULL}; /* REDUCE_EXACT, REDUCE_FAST */

/* Enum fields are written through an int pointer. */
_Static_assert(sizeof(Likelihood) == sizeof(int) && sizeof(DecoderKind) == sizeof(int) &&
                   sizeof(EncoderKind) == sizeof(int) &&
                   sizeof(Conditioning) == sizeof(int) && sizeof(EncodingKind) == sizeof(int) &&
                   sizeof(Activation) == sizeof(int) && sizeof(Precision) == sizeof(int),
               "enum fields must be int-sized");

/* Longest description that still fits on one INI line ("description = " + text)
 * within inih's line buffer, so config_write's output always parses back. */
#define DESCRIPTION_MAX 180
_Static_assert(DESCRIPTION_MAX < sizeof(((ModelConfig *)0)->description), "description size");

#define F(field) offsetof(ModelConfig, field)
#define ANY INFINITY
#define NAMES(n) 0, 0, 0, n
static const KeyDesc KEYS[] = {
    {"model", "name", KEY_STRING, F(name), 1, sizeof(((ModelConfig *)0)->name) - 1, 0, NULL, 0},
    {"model", "description", KEY_STRING, F(description), 0, DESCRIPTION_MAX, 0, NULL, 0},

    {"data", "height", KEY_INT, F(height), 1, 4096, 0, NULL, 1},
    {"data", "width", KEY_INT, F(width), 1, 4096, 0, NULL, 1},
    {"data", "channels", KEY_INT, F(channels), 1, 3, 0, CHANNEL_VALUES, 1},

    {"latent", "size", KEY_INT, F(latent), 0, 4096, 0, NULL, 1},
    {"latent", "beta", KEY_FLOAT, F(beta), 0, ANY, 0, NULL, 0},
    {"latent", "kl_warmup", KEY_INT, F(kl_warmup), 0, INT_MAX, 0, NULL, 0},
    {"latent", "free_bits", KEY_FLOAT, F(free_bits), 0, ANY, 0, NULL, 0},

    {"likelihood", "kind", KEY_ENUM, F(likelihood), NAMES(LIKELIHOOD_NAMES), 0},
    /* A number, or "learned" (sigma_learned; set_value and format_value). */
    {"likelihood", "sigma", KEY_FLOAT, F(sigma), 0, ANY, OPEN_LO, NULL, 0},

    {"loss", "focal_frequency", KEY_FLOAT, F(focal_frequency), 0, ANY, 0, NULL, 0},
    {"loss", "focal_alpha", KEY_FLOAT, F(focal_alpha), 0, ANY, 0, NULL, 0},

    {"encoder", "kind", KEY_ENUM, F(encoder), NAMES(ENCODER_NAMES), 0},
    {"encoder", "hidden", KEY_LIST, F(enc_hidden), 1, MAX_LAYER_WIDTH, 0, NULL, 0},
    {"encoder", "channels", KEY_INT, F(enc_channels), 1, MAX_LAYER_WIDTH, 0, NULL, 0},
    {"encoder", "depth", KEY_INT, F(enc_depth), 1, CONFIG_MAX_LAYERS, 0, NULL, 0},

    {"decoder", "kind", KEY_ENUM, F(decoder), NAMES(DECODER_NAMES), 1},
    {"decoder", "conditioning", KEY_ENUM, F(conditioning), NAMES(CONDITIONING_NAMES), 0},
    {"decoder", "channels", KEY_INT, F(dec_channels), 1, MAX_LAYER_WIDTH, 0, NULL, 0},

    {"encoding", "kind", KEY_ENUM, F(encoding), NAMES(ENCODING_NAMES), 0},
    {"encoding", "features", KEY_INT, F(features), 1, 8192, 0, NULL, 0},
    {"encoding", "sigma", KEY_FLOAT, F(freq_sigma), 0, ANY, OPEN_LO, NULL, 0},
    {"encoding", "frequencies", KEY_INT, F(frequencies), 1, 4096, 0, NULL, 0},
    {"encoding", "top", KEY_FLOAT, F(top), 0, ANY, OPEN_LO, NULL, 0},

    {"network", "width", KEY_INT, F(net_width), 1, MAX_LAYER_WIDTH, 0, NULL, 1},
    {"network", "depth", KEY_INT, F(net_depth), 1, CONFIG_MAX_LAYERS, 0, NULL, 1},
    {"network", "activation", KEY_ENUM, F(activation), NAMES(ACTIVATION_NAMES), 0},
    {"network", "omega0", KEY_FLOAT, F(omega0), 0, ANY, OPEN_LO, NULL, 0},
    {"network", "latent_omega", KEY_FLOAT, F(latent_omega), 0, ANY, 0, NULL, 0},

    {"training", "batch", KEY_INT, F(batch), 1, 65536, 0, NULL, 0},
    {"training", "lr", KEY_FLOAT, F(lr), 0, ANY, OPEN_LO, NULL, 0},
    {"training", "beta1", KEY_FLOAT, F(beta1), 0, 1, OPEN_HI, NULL, 0},
    {"training", "beta2", KEY_FLOAT, F(beta2), 0, 1, OPEN_HI, NULL, 0},
    {"training", "epsilon", KEY_FLOAT, F(epsilon), 0, ANY, OPEN_LO, NULL, 0},
    {"training", "weight_decay", KEY_FLOAT, F(weight_decay), 0, ANY, 0, NULL, 0},
    {"training", "clip", KEY_FLOAT, F(clip), 0, ANY, 0, NULL, 0},
    /* The image-size bound is checked once height and width are known. */
    {"training", "precision", KEY_ENUM, F(precision), NAMES(PRECISION_NAMES), 0},
    {"training", "pixels", KEY_INT, F(pixels), 0, 4096 * 4096, 0, NULL, 0},
    {"training", "log_every", KEY_INT, F(log_every), 1, INT_MAX, 0, NULL, 0},
    {"training", "checkpoint_every", KEY_INT, F(checkpoint_every), 1, INT_MAX, 0, NULL, 0},
    {"training", "reduce", KEY_ENUM, F(reduce), NAMES(REDUCE_NAMES), 0},
    {"training", "reduce_chunk", KEY_INT, F(reduce_chunk), 1, 65536, 0, NULL, 0},
};
#undef F
#undef ANY
#undef NAMES
#define NKEYS ((int)(sizeof KEYS / sizeof KEYS[0]))

void config_defaults(ModelConfig *c)
{
    /* Zero everything first (padding and string tails too) so that two equal
     * configs are also equal bytewise. */
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "model");
    c->beta = 1.0f;
    c->likelihood = LIKELIHOOD_BERNOULLI;
    c->sigma = 0.1f;
    c->focal_alpha = 1.0f;
    c->enc_hidden[0] = 512;
    c->enc_hidden[1] = 256;
    c->enc_layers = 2;
    c->encoder = ENCODER_MLP;
    c->enc_channels = 32;
    c->enc_depth = 2;
    c->conditioning = COND_INPUT;
    c->dec_channels = 64;
    c->encoding = ENCODING_NONE;
    c->features = 128;
    c->freq_sigma = 4.0f;
    c->frequencies = 8;
    c->top = 6.0f;
    c->activation = ACT_RELU;
    c->omega0 = 30.0f;
    c->batch = 64;
    c->lr = 1e-3f;
    c->beta1 = 0.9f;
    c->beta2 = 0.999f;
    c->epsilon = 1e-8f;
    c->log_every = 50;
    c->checkpoint_every = 1000;
    c->reduce = REDUCE_EXACT;
    c->reduce_chunk = 4;
}

static const KeyDesc *find_key(const char *section, const char *key)
{
    for (int i = 0; i < NKEYS; i++)
        if (strcmp(KEYS[i].section, section) == 0 && strcmp(KEYS[i].key, key) == 0)
            return &KEYS[i];
    return NULL;
}

static int section_known(const char *section)
{
    for (int i = 0; i < NKEYS; i++)
        if (strcmp(KEYS[i].section, section) == 0)
            return 1;
    return 0;
}

static void *field(ModelConfig *c, const KeyDesc *k) { return (char *)c + k->offset; }
static const void *cfield(const ModelConfig *c, const KeyDesc *k)
{
    return (const char *)c + k->offset;
}

/* ---- values ------------------------------------------------------------- */

/* "one of a, b, c" / "1 or 3": the allowed names, for messages. */
static void list_names(char *buf, size_t size, const char *const *names, const char *last_sep)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; names[i]; i++) {
        const char *sep = i == 0 ? "" : names[i + 1] ? ", " : last_sep;
        int n = snprintf(buf + used, size - used, "%s%s", sep, names[i]);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
}

/* What a key accepts, as it reads after "expected ". */
static void describe_range(char *buf, size_t size, const KeyDesc *k)
{
    char names[128];
    switch (k->type) {
    case KEY_INT:
        if (k->names) {
            list_names(names, sizeof names, k->names, " or ");
            snprintf(buf, size, "%s", names);
        } else if (k->hi >= INT_MAX) {
            snprintf(buf, size, "an integer >= %.0f", k->lo);
        } else {
            snprintf(buf, size, "an integer in %.0f..%.0f", k->lo, k->hi);
        }
        break;
    case KEY_FLOAT:
        if (k->offset == offsetof(ModelConfig, sigma))
            snprintf(buf, size, "a number > %g or learned", k->lo);
        else if (isinf(k->hi))
            snprintf(buf, size, "a number %s %g", (k->open & OPEN_LO) ? ">" : ">=", k->lo);
        else
            snprintf(buf, size, "a number in %c%g, %g%c", (k->open & OPEN_LO) ? '(' : '[', k->lo,
                     k->hi, (k->open & OPEN_HI) ? ')' : ']');
        break;
    case KEY_ENUM:
        list_names(names, sizeof names, k->names, ", ");
        snprintf(buf, size, "one of %s", names);
        break;
    case KEY_STRING:
        snprintf(buf, size, "%.0f to %.0f characters of text on one line", k->lo, k->hi);
        break;
    case KEY_LIST:
        snprintf(buf, size, "a comma-separated list of 1 to %d integers in %.0f..%.0f",
                 CONFIG_MAX_LAYERS, k->lo, k->hi);
        break;
    }
}

static int int_in_range(const KeyDesc *k, const char *s, int *out)
{
    long v;
    if (parse_long(s, &v) != 0 || v < k->lo || v > k->hi)
        return -1;
    if (k->names) {
        int allowed = 0;
        for (int i = 0; k->names[i]; i++)
            allowed |= (v == atol(k->names[i]));
        if (!allowed)
            return -1;
    }
    *out = (int)v;
    return 0;
}

static int float_in_range(const KeyDesc *k, const char *s, float *out)
{
    float v;
    if (parse_float(s, &v) != 0)
        return -1;
    if (v < k->lo || ((k->open & OPEN_LO) && v == k->lo))
        return -1;
    if (v > k->hi || ((k->open & OPEN_HI) && v == k->hi))
        return -1;
    *out = v + 0.0f; /* -0 becomes +0, so equal configs stay bytewise equal */
    return 0;
}

/* A string survives a write and re-read only if inih gives it back unchanged:
 * printable, no surrounding blanks, no " ;" (an inline comment). */
static int string_ok(const KeyDesc *k, const char *s)
{
    size_t n = strlen(s);
    if (n < k->lo || n > k->hi)
        return 0;
    if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
        if (s[i] == ';' && i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
            return 0;
    }
    return 1;
}

static int parse_list(const KeyDesc *k, const char *s, int *out, int *count)
{
    int vals[CONFIG_MAX_LAYERS], n = 0;
    const char *p = s;
    for (;;) {
        char item[32];
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (n == CONFIG_MAX_LAYERS || len == 0 || len >= sizeof item)
            return -1;
        memcpy(item, p, len);
        item[len] = '\0';
        if (int_in_range(k, item, &vals[n++]) != 0)
            return -1;
        if (!comma)
            break;
        p = comma + 1;
    }
    memset(out, 0, CONFIG_MAX_LAYERS * sizeof *out); /* unused entries stay 0 */
    memcpy(out, vals, (size_t)n * sizeof *out);
    *count = n;
    return 0;
}

/* Stores value into k's field, or writes "key: expected ..., got '...'" to msg. */
static int set_value(ModelConfig *c, const KeyDesc *k, const char *value, char *msg,
                     size_t msg_size)
{
    int ok = 0;
    switch (k->type) {
    case KEY_INT:
        ok = int_in_range(k, value, field(c, k)) == 0;
        break;
    case KEY_FLOAT:
        if (k->offset == offsetof(ModelConfig, sigma)) {
            c->sigma_learned = strcmp(value, "learned") == 0;
            if (c->sigma_learned) { /* the learned scale starts at the default σ, 0.1 */
                c->sigma = 0.1f;
                ok = 1;
                break;
            }
        }
        ok = float_in_range(k, value, field(c, k)) == 0;
        break;
    case KEY_ENUM:
        for (int i = 0; k->names[i]; i++) {
            if (strcmp(value, k->names[i]) == 0) {
                *(int *)field(c, k) = i;
                ok = 1;
            }
        }
        break;
    case KEY_STRING:
        ok = string_ok(k, value);
        if (ok) {
            /* Zero the whole buffer so no stale bytes remain after the text. */
            char *dst = field(c, k);
            memset(dst, 0, (size_t)k->hi + 1); /* hi + 1 <= the field's size */
            memcpy(dst, value, strlen(value));
        }
        break;
    case KEY_LIST:
        ok = parse_list(k, value, field(c, k), &c->enc_layers) == 0;
        break;
    }
    if (!ok) {
        char want[160];
        describe_range(want, sizeof want, k);
        snprintf(msg, msg_size, "%s: expected %s, got '%.80s%s'", k->key, want, value,
                 strlen(value) > 80 ? "..." : "");
    }
    return ok ? 0 : -1;
}

/* ---- checks that involve more than one key ------------------------------ */

/* precision = auto becomes bf16 where training can run it (oneDNN and
 * AVX512-BF16), else fp32. Resolved here,
 * once per parse or --set, so every run directory and checkpoint records the
 * precision it really used. */
static void resolve_precision(ModelConfig *c)
{
    if (c->precision == PRECISION_AUTO)
        c->precision_auto = 1;
    if (c->precision_auto)
        c->precision = bf16_usable() ? PRECISION_BF16 : PRECISION_FP32;
}

/* A conv encoder: depth stride-2 convolutions (conv.h's size rule, floor((n + 2p − k) / s) + 1)
 * must leave at least one pixel, and the channels doubling per layer must stay
 * within the widest layer. */
static const KeyDesc *check_conv_encoder(const ModelConfig *c, char *msg, size_t size)
{
    int h = c->height, w = c->width, fits = 0;
    char sizes[160];
    int used = snprintf(sizes, sizeof sizes, "%dx%d", h, w);
    for (int e = 0; e < c->enc_depth; e++) {
        h = h + 2 * CONV_PAD < CONV_KERNEL ? 0 : (h + 2 * CONV_PAD - CONV_KERNEL) / CONV_STRIDE + 1;
        w = w + 2 * CONV_PAD < CONV_KERNEL ? 0 : (w + 2 * CONV_PAD - CONV_KERNEL) / CONV_STRIDE + 1;
        if (used > 0 && (size_t)used < sizeof sizes)
            used += snprintf(sizes + used, sizeof sizes - (size_t)used, " -> %dx%d", h, w);
        if (h < 1 || w < 1)
            break;
        fits = e + 1;
    }
    if (fits < c->enc_depth) {
        snprintf(msg, size, "depth %d: a %dx%d image is too small for %d stride-2 convolutions "
                            "(kernel %d, padding %d: %s); at most depth %d",
                 c->enc_depth, c->height, c->width, c->enc_depth, CONV_KERNEL, CONV_PAD, sizes,
                 fits);
        return find_key("encoder", "depth");
    }
    long top = (long)c->enc_channels << (c->enc_depth - 1);
    if (top > MAX_LAYER_WIDTH) {
        snprintf(msg, size, "channels %d doubles to %ld over depth %d convolutions, more than "
                            "%d; use channels <= %d",
                 c->enc_channels, top, c->enc_depth, MAX_LAYER_WIDTH,
                 MAX_LAYER_WIDTH >> (c->enc_depth - 1));
        return find_key("encoder", "channels");
    }
    return NULL;
}

/* A conv decoder: depth transposed convolutions, each doubling the size, must
 * reach height x width exactly from a whole start map, and the channels halving
 * per layer must not reach 0 before the last (which gives the image's channels). */
static const KeyDesc *check_conv_decoder(const ModelConfig *c, char *msg, size_t size)
{
    int depth = c->net_depth, f = 1 << depth;
    if (c->height % f || c->width % f) {
        char works[256] = "";
        size_t used = 0;
        for (int d = 1; d <= CONFIG_MAX_LAYERS; d++) {
            int g = 1 << d;
            if (c->height % g || c->width % g)
                break;
            int n = snprintf(works + used, sizeof works - used, "%sdepth %d (start %dx%d)",
                             used ? ", " : "", d, c->height / g, c->width / g);
            if (n < 0 || (size_t)n >= sizeof works - used)
                break;
            used += (size_t)n;
        }
        snprintf(msg, size, "depth %d: a conv decoder doubles its start map %d times, so height "
                            "and width must be multiples of %d, and %dx%d is not; %s%s",
                 depth, depth, f, c->height, c->width, used ? "works: " : "",
                 used ? works : "no depth works (height and width must both be even)");
        return find_key("network", "depth");
    }
    if ((c->dec_channels >> (depth - 1)) < 1) {
        snprintf(msg, size, "channels %d halves to 0 over depth %d transposed convolutions; "
                            "it needs at least %d",
                 c->dec_channels, depth, 1 << (depth - 1));
        return find_key("decoder", "channels");
    }
    return NULL;
}

/* Writes a message and returns the key it is about, or NULL when c is consistent. */
static const KeyDesc *check_consistency(const ModelConfig *c, char *msg, size_t size)
{
    long pixels = (long)c->height * c->width;
    if (c->pixels > pixels) {
        snprintf(msg, size, "pixels: %d is more than the %ld pixels of a %dx%d image", c->pixels,
                 pixels, c->height, c->width);
        return find_key("training", "pixels");
    }
    if (c->sigma_learned && c->likelihood != LIKELIHOOD_GAUSSIAN &&
        c->likelihood != LIKELIHOOD_LAPLACE) {
        snprintf(msg, size, "sigma learned needs kind = gaussian or laplace in [likelihood] "
                            "(a %s likelihood has no scale)", likelihood_name(c->likelihood));
        return find_key("likelihood", "sigma");
    }
    if (c->focal_frequency > 0 && c->pixels != 0) {
        snprintf(msg, size, "focal_frequency %g needs pixels = 0 in [training] (the focal "
                            "frequency loss takes the DFT of whole images, and pixels = %d "
                            "decodes only some of each)", c->focal_frequency, c->pixels);
        return find_key("loss", "focal_frequency");
    }
    if (c->focal_frequency > 0 && c->latent == 0) {
        snprintf(msg, size, "focal_frequency %g needs a latent ([latent] size > 0): "
                            "it is a loss on a VAE's reconstructions", c->focal_frequency);
        return find_key("loss", "focal_frequency");
    }
    if (c->encoder == ENCODER_CONV && c->latent > 0) {
        const KeyDesc *k = check_conv_encoder(c, msg, size);
        if (k)
            return k;
    }
    const char *dec = decoder_name(c->decoder);
    if (c->decoder != DECODER_COORD && c->conditioning == COND_FILM) {
        snprintf(msg, size, "conditioning film needs kind = coord in [decoder] "
                            "(a %s decoder's only input is z)", dec);
        return find_key("decoder", "conditioning");
    }
    if (c->decoder != DECODER_COORD && c->encoding != ENCODING_NONE) {
        snprintf(msg, size, "encoding %s needs kind = coord in [decoder] "
                            "(a %s decoder has no coordinates; use kind = none)",
                 encoding_name(c->encoding), dec);
        return find_key("encoding", "kind");
    }
    if (c->decoder != DECODER_COORD && c->pixels != 0) {
        snprintf(msg, size, "pixels %d needs kind = coord in [decoder] (a %s decoder computes "
                            "every pixel at once, so sampling pixels saves nothing; use 0)",
                 c->pixels, dec);
        return find_key("training", "pixels");
    }
    if (c->decoder != DECODER_COORD && c->latent == 0) {
        snprintf(msg, size, "size 0 (no latent) needs kind = coord in [decoder] "
                            "(a %s decoder's only input is z)", dec);
        return find_key("latent", "size");
    }
    /* latent_omega scales z's share of a sine coord decoder's first layer; anywhere
     * else it would change nothing, so a value other than 0 (= ω0) is refused. */
    if (c->latent_omega != 0.0f &&
        (c->decoder != DECODER_COORD || c->activation != ACT_SINE || c->latent == 0)) {
        snprintf(msg, size, "latent_omega %g needs activation = sine, kind = coord in [decoder] "
                            "and a latent (it scales z's share of the sine first layer; use 0)",
                 (double)c->latent_omega);
        return find_key("network", "latent_omega");
    }
    if (c->decoder == DECODER_CONV)
        return check_conv_decoder(c, msg, size);
    return NULL;
}

/* ---- parsing -------------------------------------------------------------- */

/* A key no model file uses (the handler also knows a probe by its position). */
#define PROBE_KEY "ffvae-section-probe"

typedef struct {
    const char *pos;    /* next unread byte of the INI text */
    const char *origin; /* for messages */
    int line;           /* number of the physical line last handed to inih */
    int probe_next;     /* the reader's next line is a section probe */
    int probing;        /* the handler's next call comes from a probe */
    ModelConfig *c;
    int seen[NKEYS]; /* line where each key was set; 0 = not set */
    int err_line;    /* line of our first error; 0 = none yet */
    char err[640];
} Parser;

static void FFVAE_PRINTF(2, 3) parse_fail(Parser *p, const char *fmt, ...)
{
    if (p->err_line)
        return; /* keep only the first */
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(p->err, sizeof p->err, "%s:%d: %s", p->origin, p->line, what);
    p->err_line = p->line;
}

/* The physical line at *pos: advances *pos past it and returns its content
 * without a byte-order mark (line 1) or leading blanks, in [*start, *end).
 * Leading blanks are dropped because model files have no multi-line values,
 * and inih would otherwise take an indented "key = value" as a continuation
 * of the previous key. */
static void next_line(const char **pos, int line, const char **start, const char **end)
{
    const char *s = *pos;
    const char *nl = strchr(s, '\n');
    *end = nl ? nl : s + strlen(s);
    *pos = nl ? nl + 1 : *end;
    if (line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    while (s < *end && (*s == ' ' || *s == '\t'))
        s++;
    *start = s;
}

/* inih's ini_reader: hands over one physical line per call and counts it;
 * after a "[section]" line, a probe line (see the top of the file). */
static char *read_line(char *str, int num, void *stream)
{
    Parser *p = stream;
    if (p->err_line)
        return NULL; /* stop at our first error */
    if (p->probe_next) {
        p->probe_next = 0;
        p->probing = 1;
        snprintf(str, (size_t)num, "%s=1", PROBE_KEY);
        return str;
    }
    if (*p->pos == '\0')
        return NULL;
    const char *start, *end;
    p->line++;
    next_line(&p->pos, p->line, &start, &end);
    size_t len = (size_t)(end - start);
    if (len >= (size_t)num) {
        parse_fail(p, "line too long (at most %d characters)", num - 1);
        return NULL;
    }
    memcpy(str, start, len);
    str[len] = '\0';
    p->probe_next = (*start == '[');
    return str;
}

/* inih numbers the lines it was given, probes included: the physical line
 * behind inih's line n, found by replaying the reader. */
static int physical_line(const char *text, int n)
{
    const char *pos = text, *start, *end;
    int given = 0;
    for (int line = 1; *pos; line++) {
        next_line(&pos, line, &start, &end);
        given += 1 + (*start == '['); /* a header is followed by its probe */
        if (given >= n)
            return line;
    }
    return n;
}

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
    Parser *p = user;
    if (p->probing) {
        p->probing = 0;
        /* An empty section name comes from a broken header, which inih reports. */
        if (*section && !section_known(section))
            parse_fail(p, "unknown section [%s]", section);
        return p->err_line == 0;
    }
    if (!*section) {
        parse_fail(p, "'%s' is outside any [section]", key);
        return 0;
    }
    if (!section_known(section)) {
        parse_fail(p, "unknown section [%s]", section);
        return 0;
    }
    const KeyDesc *k = find_key(section, key);
    if (!k) {
        parse_fail(p, "unknown key '%s' in [%s]", key, section);
        return 0;
    }
    int idx = (int)(k - KEYS);
    if (p->seen[idx]) {
        parse_fail(p, "duplicate key '%s' in [%s] (first set on line %d)", key, section,
                   p->seen[idx]);
        return 0;
    }
    char msg[400];
    if (set_value(p->c, k, value, msg, sizeof msg) != 0) {
        parse_fail(p, "%s", msg);
        return 0;
    }
    p->seen[idx] = p->line;
    return 1;
}

/* The text of line n (1-based), shortened, for a syntax error message. */
static void line_text(const char *text, int n, char *buf, size_t size)
{
    const char *s = text;
    for (int i = 1; i < n && s; i++) {
        s = strchr(s, '\n');
        if (s)
            s++;
    }
    if (!s) {
        buf[0] = '\0';
        return;
    }
    size_t len = strcspn(s, "\r\n");
    if (len > 60)
        len = 60;
    snprintf(buf, size, "%.*s", (int)len, s);
}

static int parse_text(ModelConfig *out, const char *text, const char *origin,
                      const char *default_name)
{
    ModelConfig c;
    config_defaults(&c);
    if (default_name && *default_name)
        snprintf(c.name, sizeof c.name, "%s", default_name);

    Parser p = {.pos = text, .origin = origin, .c = &c};
    int rc = ini_parse_stream(read_line, &p, on_entry, &p);
    if (rc < 0) {
        ffvae_error("%s: cannot parse (inih error %d)", origin, rc);
        return -1;
    }
    /* inih keeps going after a syntax error and returns its line; we stop at
     * our first error. Whichever came first is the one to report. */
    if (rc > 0)
        rc = physical_line(text, rc);
    if (rc > 0 && (!p.err_line || rc < p.err_line)) {
        char got[64];
        line_text(text, rc, got, sizeof got);
        ffvae_error("%s:%d: syntax error: expected [section] or key = value, got '%s'", origin,
                    rc, got);
        return -1;
    }
    if (p.err_line) {
        ffvae_error("%s", p.err);
        return -1;
    }

    int missing = 0;
    /* A conv decoder has no hidden MLP: [network] width is optional and ignored,
     * resolved to its channels so that the written config parses back. */
    const KeyDesc *width = find_key("network", "width");
    if (c.decoder == DECODER_CONV && !p.seen[width - KEYS])
        c.net_width = c.dec_channels;
    for (int i = 0; i < NKEYS; i++) {
        if (KEYS[i].required && !p.seen[i] && !(c.decoder == DECODER_CONV && &KEYS[i] == width)) {
            ffvae_error("%s: missing required key [%s] %s", origin, KEYS[i].section,
                        KEYS[i].key);
            missing = 1;
        }
    }
    if (missing)
        return -1;

    resolve_precision(&c);
    char msg[400];
    const KeyDesc *k = check_consistency(&c, msg, sizeof msg);
    if (k) {
        int line = p.seen[k - KEYS];
        if (line)
            ffvae_error("%s:%d: %s", origin, line, msg);
        else
            ffvae_error("%s: %s", origin, msg);
        return -1;
    }
    *out = c;
    return 0;
}

/* The base name of path without a trailing ".ini". */
static void base_name(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".ini") == 0)
        len -= 4;
    if (len >= size)
        len = size - 1;
    memcpy(buf, base, len);
    buf[len] = '\0';
}

int config_parse(ModelConfig *c, const char *text, const char *origin)
{
    char name[sizeof c->name] = "";
    size_t n = strlen(origin);
    /* Only an origin that is an INI file's path names the model. */
    if (n > 4 && strcmp(origin + n - 4, ".ini") == 0)
        base_name(origin, name, sizeof name);
    return parse_text(c, text, origin, name);
}

/* Model files are small; anything bigger is not one. */
#define CONFIG_MAX_BYTES (1 << 20)

int config_load(ModelConfig *c, const char *path)
{
    char found[MODEL_PATH_MAX]; /* a model NAME's file (model_find.h), or path itself */
    if (model_find(path, found, sizeof found) != 0)
        return -1;
    path = found;
    FILE *f = fopen(path, "rb");
    if (!f) {
        ffvae_error("%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *text = checked_malloc(CONFIG_MAX_BYTES + 1, 1, path);
    if (!text) {
        fclose(f);
        return -1;
    }
    size_t n = fread(text, 1, CONFIG_MAX_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    int rc = -1;
    if (bad) {
        ffvae_error("%s: cannot read: %s", path, strerror(errno));
    } else if (n > CONFIG_MAX_BYTES) {
        ffvae_error("%s: too large for a model definition (over %d bytes)", path,
                    CONFIG_MAX_BYTES);
    } else if (memchr(text, '\0', n)) {
        ffvae_error("%s: not a text file (contains a NUL byte)", path);
    } else {
        text[n] = '\0';
        char name[sizeof c->name];
        base_name(path, name, sizeof name);
        rc = parse_text(c, text, path, name);
    }
    free(text);
    return rc;
}

int config_has_key(const char *section, const char *key)
{
    return find_key(section, key) != NULL;
}

int config_set(ModelConfig *c, const char *section, const char *key, const char *value,
               const char *origin)
{
    const KeyDesc *k = find_key(section, key);
    if (!k) {
        if (!section_known(section))
            ffvae_error("%s: unknown section [%s]", origin, section);
        else
            ffvae_error("%s: unknown key '%s' in [%s]", origin, key, section);
        return -1;
    }
    /* Trim blanks as inih would, so the value reads back the same from a file. */
    while (*value == ' ' || *value == '\t')
        value++;
    size_t len = strlen(value);
    while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    char *trimmed = checked_malloc(len + 1, 1, "config value");
    if (!trimmed)
        return -1;
    memcpy(trimmed, value, len);
    trimmed[len] = '\0';

    /* Work on a copy: c changes only when the whole result is valid. */
    ModelConfig next = *c;
    char msg[400];
    int rc = set_value(&next, k, trimmed, msg, sizeof msg);
    free(trimmed);
    if (rc != 0) {
        ffvae_error("%s: [%s] %s", origin, section, msg);
        return -1;
    }
    if (k->offset == offsetof(ModelConfig, precision))
        next.precision_auto = 0; /* an explicit value replaces auto; auto sets it again */
    resolve_precision(&next);
    if (check_consistency(&next, msg, sizeof msg)) {
        ffvae_error("%s: %s", origin, msg);
        return -1;
    }
    *c = next;
    return 0;
}

/* ---- writing ------------------------------------------------------------ */

/* The shortest %g text that reads back as exactly v (at most 9 digits), and
 * "30" rather than "3e+01": whole numbers below 1e9 keep their digits. */
static void format_float(char *buf, size_t size, float v)
{
    int digits = 1;
    for (; digits < 9; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtof(buf, NULL) == v)
            break;
    }
    snprintf(buf, size, "%.*g", digits, v);
    char sci[32];
    snprintf(sci, sizeof sci, "%.*e", digits - 1, v);
    int exponent = atoi(strchr(sci, 'e') + 1);
    if (exponent >= digits && exponent < 9) {
        char plain[32];
        snprintf(plain, sizeof plain, "%.*g", exponent + 1, v);
        if (strtof(plain, NULL) == v)
            snprintf(buf, size, "%s", plain);
    }
}

static void format_value(char *buf, size_t size, const ModelConfig *c, const KeyDesc *k)
{
    switch (k->type) {
    case KEY_INT:
        snprintf(buf, size, "%d", *(const int *)cfield(c, k));
        break;
    case KEY_FLOAT:
        if (k->offset == offsetof(ModelConfig, sigma) && c->sigma_learned)
            snprintf(buf, size, "learned");
        else
            format_float(buf, size, *(const float *)cfield(c, k));
        break;
    case KEY_ENUM: {
        int v = *(const int *)cfield(c, k);
        int n = 0;
        while (k->names[n])
            n++;
        snprintf(buf, size, "%s", v >= 0 && v < n ? k->names[v] : "?");
        break;
    }
    case KEY_STRING:
        snprintf(buf, size, "%s", (const char *)cfield(c, k));
        break;
    case KEY_LIST: {
        const int *v = cfield(c, k);
        size_t used = 0;
        buf[0] = '\0';
        for (int i = 0; i < c->enc_layers && i < CONFIG_MAX_LAYERS; i++) {
            int n = snprintf(buf + used, size - used, "%s%d", i ? ", " : "", v[i]);
            if (n < 0 || (size_t)n >= size - used)
                break;
            used += (size_t)n;
        }
        break;
    }
    }
}

int config_write(const ModelConfig *c, FILE *f)
{
    const char *section = NULL;
    for (int i = 0; i < NKEYS; i++) {
        const KeyDesc *k = &KEYS[i];
        if (!section || strcmp(section, k->section) != 0) {
            fprintf(f, "%s[%s]\n", section ? "\n" : "", k->section);
            section = k->section;
        }
        char value[sizeof c->description + 16];
        format_value(value, sizeof value, c, k);
        fprintf(f, "%s = %s\n", k->key, value);
    }
    if (fflush(f) != 0 || ferror(f)) {
        ffvae_error("writing model config: %s", strerror(errno));
        return -1;
    }
    return 0;
}

char *config_to_string(const ModelConfig *c)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) {
        ffvae_error("model config: cannot open a memory stream: %s", strerror(errno));
        return NULL;
    }
    int rc = config_write(c, f); /* reports its own failure */
    if (fclose(f) != 0 && rc == 0) {
        ffvae_error("model config %s: cannot finish its text: %s", c->name, strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- derived values and names ------------------------------------------- */

int config_encoding_dim(const ModelConfig *c)
{
    switch (c->encoding) {
    case ENCODING_NONE:
        return 2;
    case ENCODING_BASIC:
        return 2 * 2;
    case ENCODING_POSITIONAL:
        return 2 * (2 * c->frequencies); /* sin and cos, per axis */
    case ENCODING_GAUSSIAN:
    case ENCODING_SPECTRUM:
        return 2 * c->features;
    }
    return 2;
}

const char *encoding_name(EncodingKind k)
{
    return (int)k >= 0 && k <= ENCODING_SPECTRUM ? ENCODING_NAMES[k] : "?";
}

const char *decoder_name(DecoderKind k)
{
    return (int)k >= 0 && k <= DECODER_CONV ? DECODER_NAMES[k] : "?";
}

const char *precision_name(Precision p)
{
    return (int)p >= 0 && p <= PRECISION_AUTO ? PRECISION_NAMES[p] : "?";
}

const char *likelihood_name(Likelihood l)
{
    return (int)l >= 0 && l <= LIKELIHOOD_LAPLACE ? LIKELIHOOD_NAMES[l] : "?";
}

const char *activation_name(Activation a)
{
    return (int)a >= 0 && a <= ACT_SINE ? ACTIVATION_NAMES[a] : "?";
}

int config_write_file(const ModelConfig *c, const char *path)
{
    char *text = config_to_string(c);
    if (!text)
        return -1;
    int rc = write_file_atomic(path, text);
    free(text);
    return rc;
}
