/* test_config.c - model definitions: the shipped models/NAME.ini files, defaults, every
 * kind of error (with its file:line), the write/parse round trip, config_set
 * and the encoding width. */
#include "model_config.h"
#include "onednn.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The smallest valid model: only the required keys. */
static const char *MINIMAL = "[data]\nheight = 28\nwidth = 28\nchannels = 1\n"
                             "[latent]\nsize = 16\n"
                             "[decoder]\nkind = coord\n"
                             "[network]\nwidth = 128\ndepth = 3\n";

/* ---- helpers -------------------------------------------------------------- */

/* The first field where a and b differ, or NULL. Floats compare bitwise, as a
 * round trip must reproduce them exactly. */
static const char *config_diff(const ModelConfig *a, const ModelConfig *b)
{
#define SAME(f)                                                                                  \
    if (memcmp(&a->f, &b->f, sizeof a->f) != 0)                                                 \
        return #f;
    if (strcmp(a->name, b->name) != 0)
        return "name";
    if (strcmp(a->description, b->description) != 0)
        return "description";
    SAME(height) SAME(width) SAME(channels)
    SAME(latent) SAME(beta) SAME(kl_warmup) SAME(free_bits)
    SAME(likelihood) SAME(sigma) SAME(sigma_learned)
    SAME(focal_frequency) SAME(focal_alpha)
    SAME(enc_layers)
    for (int i = 0; i < a->enc_layers && i < CONFIG_MAX_LAYERS; i++)
        SAME(enc_hidden[i])
    SAME(decoder) SAME(conditioning)
    SAME(encoding) SAME(features) SAME(freq_sigma) SAME(frequencies) SAME(top)
    SAME(net_width) SAME(net_depth) SAME(activation) SAME(omega0) SAME(latent_omega)
    SAME(batch) SAME(lr) SAME(beta1) SAME(beta2) SAME(epsilon) SAME(weight_decay) SAME(clip)
    SAME(precision) SAME(pixels) SAME(log_every) SAME(checkpoint_every)
    SAME(reduce) SAME(reduce_chunk)
#undef SAME
    /* Every field is listed above; this catches one added later and forgotten. */
    if (memcmp(a, b, sizeof *a) != 0)
        return "(bytes outside the listed fields)";
    return NULL;
}

#define ck_assert_config_eq(a, b)                                                               \
    do {                                                                                         \
        const char *d_ = config_diff((a), (b));                                                 \
        ck_assert_msg(d_ == NULL, "configs differ in %s", d_);                                  \
    } while (0)

/* Runs config_parse with stderr captured into err (NUL-terminated). */
static int parse_capture(ModelConfig *c, const char *text, const char *origin, char *err,
                         size_t size)
{
    stderr_capture_begin();
    int rc = config_parse(c, text, origin);
    stderr_capture_end(err, size);
    return rc;
}

/* text must fail to parse, with a message containing want. */
static void expect_error(const char *text, const char *want)
{
    ModelConfig c;
    char err[2048];
    int rc = parse_capture(&c, text, "models/x.ini", err, sizeof err);
    ck_assert_msg(rc == -1, "parse of\n%s\nsucceeded; expected error '%s'", text, want);
    ck_assert_msg(strstr(err, want) != NULL, "stderr\n%s\ndoes not contain\n%s", err, want);
    ck_assert_msg(strncmp(err, "ffvae: ", 7) == 0, "message lacks the ffvae prefix: %s", err);
}

/* MINIMAL with extra text appended (MINIMAL is 11 lines long). */
static char *minimal_plus(const char *extra)
{
    size_t n = strlen(MINIMAL) + strlen(extra) + 1;
    char *s = alloc_or_fail(n, 1);
    snprintf(s, n, "%s%s", MINIMAL, extra);
    return s;
}

static void expect_error_plus(const char *extra, const char *want)
{
    char *text = minimal_plus(extra);
    expect_error(text, want);
    free(text);
}

static void load_model(ModelConfig *c, const char *file)
{
    char path[4096];
    srcdir_path(path, sizeof path, "models/%s", file);
    ck_assert_msg(config_load(c, path) == 0, "%s does not load", path);
}

/* ---- shipped models --------------------------------------------------------- */

START_TEST(every_shipped_model_parses_and_round_trips)
{
    char pattern[4096];
    srcdir_path(pattern, sizeof pattern, "models/*.ini");
    glob_t g;
    ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
    ck_assert_uint_ge(g.gl_pathc, 7);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        ModelConfig c, back;
        ck_assert_msg(config_load(&c, g.gl_pathv[i]) == 0, "%s does not load", g.gl_pathv[i]);
        /* Each file is named after itself and says what it is for. */
        const char *base = strrchr(g.gl_pathv[i], '/') + 1;
        ck_assert_int_eq(strncmp(c.name, base, strlen(base) - 4), 0);
        ck_assert_uint_eq(strlen(c.name), strlen(base) - 4);
        ck_assert_msg(c.description[0] != '\0', "%s has no description", base);
        char *text = config_to_string(&c);
        ck_assert_ptr_nonnull(text);
        ck_assert_int_eq(config_parse(&back, text, "round trip"), 0);
        /* The name came from the file name, which the text does state. */
        ck_assert_ptr_nonnull(strstr(text, "name = "));
        /* The text records the precision auto resolved to, not the request. */
        ck_assert(!strstr(text, "precision = auto"));
        back.precision_auto = c.precision_auto;
        ck_assert_config_eq(&c, &back);
        free(text);
    }
    globfree(&g);
}
END_TEST

/* Copies name and description whole (bytes after the text too). */
static void same_label(ModelConfig *m, const ModelConfig *base)
{
    memcpy(m->name, base->name, sizeof m->name);
    memcpy(m->description, base->description, sizeof m->description);
}

START_TEST(fmnist_models_differ_only_in_the_choice_under_test)
{
    ModelConfig base;
    load_model(&base, "fmnist-coords.ini");
    ck_assert_int_eq(base.height, 28);
    ck_assert_int_eq(base.width, 28);
    ck_assert_int_eq(base.channels, 1);
    ck_assert_int_eq(base.latent, 16);
    ck_assert_float_eq(base.beta, 1.0f);
    ck_assert_int_eq(base.likelihood, LIKELIHOOD_BERNOULLI);
    ck_assert_int_eq(base.enc_layers, 2);
    ck_assert_int_eq(base.enc_hidden[0], 512);
    ck_assert_int_eq(base.enc_hidden[1], 256);
    ck_assert_int_eq(base.decoder, DECODER_COORD);
    ck_assert_int_eq(base.conditioning, COND_INPUT);
    ck_assert_int_eq(base.encoding, ENCODING_NONE);
    ck_assert_int_eq(base.net_width, 128);
    ck_assert_int_eq(base.net_depth, 3);
    ck_assert_int_eq(base.activation, ACT_RELU);
    ck_assert_int_eq(base.batch, 64);
    ck_assert_float_eq(base.lr, 1e-3f);
    ck_assert_float_eq(base.beta1, 0.9f);
    ck_assert_float_eq(base.beta2, 0.999f);
    ck_assert_int_eq(base.pixels, 0);
    ck_assert_int_eq(base.log_every, 50);
    ck_assert_int_eq(base.checkpoint_every, 500);

    ModelConfig m;
    /* Each: check the intended fields, put back the base's values, then the
     * rest (all but name and description) must equal the base. */
    load_model(&m, "fmnist-fourier.ini");
    ck_assert_int_eq(m.encoding, ENCODING_GAUSSIAN);
    ck_assert_int_eq(m.features, 128);
    ck_assert_float_eq(m.freq_sigma, 4.0f);
    m.encoding = base.encoding;
    same_label(&m, &base);
    ck_assert_config_eq(&m, &base);

    load_model(&m, "fmnist-positional.ini");
    ck_assert_int_eq(m.encoding, ENCODING_POSITIONAL);
    ck_assert_int_eq(m.frequencies, 64);
    ck_assert_float_eq(m.top, 14.0f);
    m.encoding = base.encoding;
    m.frequencies = base.frequencies;
    m.top = base.top;
    same_label(&m, &base);
    ck_assert_config_eq(&m, &base);

    load_model(&m, "fmnist-spectrum.ini");
    ck_assert_int_eq(m.encoding, ENCODING_SPECTRUM);
    ck_assert_int_eq(m.features, 128);
    m.encoding = base.encoding;
    same_label(&m, &base);
    ck_assert_config_eq(&m, &base);

    load_model(&m, "fmnist-siren.ini");
    ck_assert_int_eq(m.encoding, ENCODING_NONE);
    ck_assert_int_eq(m.activation, ACT_SINE);
    ck_assert_float_eq(m.omega0, 30.0f);
    ck_assert_float_eq(m.latent_omega, 1.0f); /* z's own scale in the first layer */
    m.activation = base.activation;
    m.latent_omega = base.latent_omega;
    same_label(&m, &base);
    ck_assert_config_eq(&m, &base);

    load_model(&m, "fmnist-dense.ini");
    ck_assert_int_eq(m.decoder, DECODER_DENSE);
    ck_assert_int_eq(m.encoding, ENCODING_NONE);
    m.decoder = base.decoder;
    same_label(&m, &base);
    ck_assert_config_eq(&m, &base);

    /* The comparison itself notices a difference. */
    m = base;
    m.omega0 = 31.0f;
    ck_assert_str_eq(config_diff(&m, &base), "omega0");
}
END_TEST

START_TEST(bench_model_is_as_documented)
{
    ModelConfig c;
    load_model(&c, "bench.ini");
    ck_assert_int_eq(c.height * c.width * c.channels, 28 * 28);
    ck_assert_int_eq(c.latent, 32);
    ck_assert_int_eq(c.enc_layers, 2);
    ck_assert_int_eq(c.enc_hidden[0], 512);
    ck_assert_int_eq(c.enc_hidden[1], 256);
    ck_assert_int_eq(c.decoder, DECODER_COORD);
    ck_assert_int_eq(c.encoding, ENCODING_GAUSSIAN);
    ck_assert_int_eq(c.features, 128);
    ck_assert_float_eq(c.freq_sigma, 4.0f);
    ck_assert_int_eq(c.net_width, 256);
    ck_assert_int_eq(c.net_depth, 4);
    ck_assert_int_eq(c.activation, ACT_RELU);
    ck_assert_int_eq(c.likelihood, LIKELIHOOD_BERNOULLI);
    ck_assert_int_eq(c.batch, 64);
    ck_assert_int_eq(c.pixels, 0);
}
END_TEST

/* models/README.md documents every key that config_write emits. */
START_TEST(readme_documents_every_key)
{
    char path[4096];
    srcdir_path(path, sizeof path, "models/README.md");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char readme[1 << 16];
    size_t n = fread(readme, 1, sizeof readme - 1, f);
    readme[n] = '\0';
    fclose(f);

    ModelConfig c;
    config_defaults(&c);
    char *text = config_to_string(&c);
    ck_assert_ptr_nonnull(text);
    char section[64] = "", want[160];
    int keys = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '[') {
            snprintf(section, sizeof section, "%.*s", (int)strcspn(line, "\n"), line);
            ck_assert_msg(strstr(readme, section), "README lacks section %s", section);
            continue;
        }
        /* A reference row reads "| `[section]` | `key` | ..." */
        snprintf(want, sizeof want, "| `%s` | `%.*s` |", section, (int)strcspn(line, " "), line);
        ck_assert_msg(strstr(readme, want), "README lacks the row starting %s", want);
        keys++;
    }
    ck_assert_int_ge(keys, 30);
    free(text);
}
END_TEST

/* ---- defaults and names ----------------------------------------------------- */

START_TEST(defaults_fill_the_documented_values)
{
    ModelConfig c;
    ck_assert_int_eq(config_parse(&c, MINIMAL, "a string"), 0);
    ck_assert_str_eq(c.name, "model");
    ck_assert_str_eq(c.description, "");
    ck_assert_float_eq(c.beta, 1.0f);
    ck_assert_int_eq(c.kl_warmup, 0);
    ck_assert_int_eq(c.likelihood, LIKELIHOOD_BERNOULLI);
    ck_assert_float_eq(c.sigma, 0.1f);
    ck_assert_int_eq(c.sigma_learned, 0);
    ck_assert_float_eq(c.free_bits, 0.0f);
    ck_assert_float_eq(c.focal_frequency, 0.0f);
    ck_assert_float_eq(c.focal_alpha, 1.0f);
    ck_assert_int_eq(c.enc_layers, 2);
    ck_assert_int_eq(c.enc_hidden[0], 512);
    ck_assert_int_eq(c.enc_hidden[1], 256);
    ck_assert_int_eq(c.conditioning, COND_INPUT);
    ck_assert_int_eq(c.encoding, ENCODING_NONE);
    ck_assert_int_eq(c.features, 128);
    ck_assert_float_eq(c.freq_sigma, 4.0f);
    ck_assert_int_eq(c.frequencies, 8);
    ck_assert_float_eq(c.top, 6.0f);
    ck_assert_int_eq(c.activation, ACT_RELU);
    ck_assert_float_eq(c.omega0, 30.0f);
    ck_assert_int_eq(c.batch, 64);
    ck_assert_float_eq(c.lr, 1e-3f);
    ck_assert_float_eq(c.beta1, 0.9f);
    ck_assert_float_eq(c.beta2, 0.999f);
    ck_assert_float_eq(c.epsilon, 1e-8f);
    ck_assert_float_eq(c.weight_decay, 0.0f);
    ck_assert_float_eq(c.clip, 0.0f);
    ck_assert_int_eq(c.pixels, 0);
    ck_assert_int_eq(c.log_every, 50);
    ck_assert_int_eq(c.checkpoint_every, 1000);
    /* The required keys as given. */
    ck_assert_int_eq(c.height, 28);
    ck_assert_int_eq(c.latent, 16);
    ck_assert_int_eq(c.net_depth, 3);

    /* Parsing starts from config_defaults. */
    ModelConfig d;
    config_defaults(&d);
    d.height = d.width = 28;
    d.channels = 1;
    d.latent = 16;
    d.decoder = DECODER_COORD;
    d.net_width = 128;
    d.net_depth = 3;
    ck_assert_config_eq(&c, &d);
}
END_TEST

START_TEST(name_comes_from_the_file_unless_set)
{
    ModelConfig c;
    ck_assert_int_eq(config_parse(&c, MINIMAL, "models/fancy-one.ini"), 0);
    ck_assert_str_eq(c.name, "fancy-one");
    ck_assert_int_eq(config_parse(&c, MINIMAL, "checkpoint runs/a/ckpt.h5"), 0);
    ck_assert_str_eq(c.name, "model");
    char *text = minimal_plus("[model]\nname = chosen\ndescription = a test; with text\n");
    ck_assert_int_eq(config_parse(&c, text, "models/fancy-one.ini"), 0);
    ck_assert_str_eq(c.name, "chosen");
    ck_assert_str_eq(c.description, "a test; with text");
    free(text);
}
END_TEST

START_TEST(syntax_variants_are_accepted)
{
    /* Comments, blank lines, indentation, CRLF, a BOM and inline comments. */
    const char *text = "\xEF\xBB\xBF# a comment\r\n"
                       "; another\r\n"
                       "[data]   ; the image\r\n"
                       "  height = 32 ; inline\r\n"
                       "\twidth=32\r\n"
                       "channels = 3\r\n"
                       "\r\n"
                       "[latent]\nsize = 0\n"
                       "[encoder]\nhidden = 64,32 , 16\n"
                       "[decoder]\nkind = coord\n"
                       "  [network]\nwidth = 8\ndepth = 1\n"
                       "[training]\npixels = 1024\n";
    ModelConfig c;
    ck_assert_int_eq(config_parse(&c, text, "t"), 0);
    ck_assert_int_eq(c.height, 32);
    ck_assert_int_eq(c.width, 32);
    ck_assert_int_eq(c.channels, 3);
    ck_assert_int_eq(c.latent, 0);
    ck_assert_int_eq(c.enc_layers, 3);
    ck_assert_int_eq(c.enc_hidden[2], 16);
    ck_assert_int_eq(c.enc_hidden[3], 0);
    ck_assert_int_eq(c.net_depth, 1);
    ck_assert_int_eq(c.pixels, 1024);
}
END_TEST

/* ---- errors, each with its file:line ------------------------------------------ */

START_TEST(unknown_section_is_reported_on_its_line)
{
    expect_error_plus("[foo]\n", "ffvae: models/x.ini:12: unknown section [foo]");
    /* One with keys is reported at its header too. */
    expect_error_plus("\n[netwrok]\nwidth = 3\n", "models/x.ini:13: unknown section [netwrok]");
}
END_TEST

START_TEST(unknown_key_is_reported_on_its_line)
{
    expect_error("[data]\nheight = 28\nwidht = 28\n",
                 "ffvae: models/x.ini:3: unknown key 'widht' in [data]");
    expect_error("width = 3\n[data]\n", "models/x.ini:1: 'width' is outside any [section]");
}
END_TEST

START_TEST(duplicates_and_bad_numbers_are_reported)
{
    /* A section may repeat, a key may not. */
    ModelConfig c;
    char err[2048];
    char *text = minimal_plus("[network]\nactivation = sine\n");
    ck_assert_int_eq(parse_capture(&c, text, "t", err, sizeof err), 0);
    free(text);
    expect_error_plus("[network]\nwidth = 64\n",
                      "models/x.ini:13: duplicate key 'width' in [network] (first set on line 10)");
    expect_error("[data]\nheight = 28\n\n[network]\nwidth = 28\ndepth = 3\nwidth = abc\n",
                 "models/x.ini:7: duplicate key 'width' in [network] (first set on line 5)");
    expect_error("[network]\nwidth = abc\n",
                 "models/x.ini:2: width: expected an integer in 1..8192, got 'abc'");
    expect_error("[network]\nwidth = 12.5\n", "models/x.ini:2: width: expected an integer");
    expect_error("[network]\nwidth = 99999999999999999999\n", "models/x.ini:2: width: expected");
    expect_error("[network]\nwidth =\n", "models/x.ini:2: width: expected an integer in 1..8192, got ''");
    expect_error("[latent]\nbeta = lots\n", "models/x.ini:2: beta: expected a number >= 0, got 'lots'");
    expect_error("[training]\nlr = nan\n", "models/x.ini:2: lr: expected a number > 0, got 'nan'");
}
END_TEST

START_TEST(out_of_range_values_are_reported)
{
    expect_error("[data]\nheight = 0\n", "models/x.ini:2: height: expected an integer in 1..4096, got '0'");
    expect_error("[data]\nwidth = 4097\n", "models/x.ini:2: width: expected an integer in 1..4096");
    expect_error("[data]\nchannels = 2\n", "models/x.ini:2: channels: expected 1 or 3, got '2'");
    expect_error("[latent]\nsize = -1\n", "models/x.ini:2: size: expected an integer in 0..4096");
    expect_error("[likelihood]\nsigma = 0\n", "models/x.ini:2: sigma: expected a number > 0 or learned, got '0'");
    expect_error("[network]\ndepth = 9\n", "models/x.ini:2: depth: expected an integer in 1..8");
    expect_error("[training]\nbeta1 = 1\n", "models/x.ini:2: beta1: expected a number in [0, 1), got '1'");
    expect_error("[training]\nbeta2 = -0.1\n", "models/x.ini:2: beta2: expected a number in [0, 1)");
    expect_error("[training]\nlog_every = 0\n", "models/x.ini:2: log_every: expected an integer >= 1");
    expect_error("[training]\nbatch = 65537\n", "models/x.ini:2: batch: expected an integer in 1..65536");
    expect_error("[encoder]\nhidden = 512, 0\n",
                 "models/x.ini:2: hidden: expected a comma-separated list of 1 to 8 integers in 1..8192");
    expect_error("[encoder]\nhidden = 512,,256\n", "models/x.ini:2: hidden: expected");
    expect_error("[encoder]\nhidden = 1,2,3,4,5,6,7,8,9\n", "models/x.ini:2: hidden: expected");
    expect_error("[encoder]\nhidden =\n", "models/x.ini:2: hidden: expected");
}
END_TEST

START_TEST(bad_enum_lists_the_choices)
{
    expect_error("[decoder]\nkind = cnn\n",
                 "models/x.ini:2: kind: expected one of coord, dense, conv, got 'cnn'");
    expect_error("[encoder]\nkind = resnet\n",
                 "models/x.ini:2: kind: expected one of mlp, conv, got 'resnet'");
    expect_error("[encoding]\n\nkind = fourier\n",
                 "models/x.ini:3: kind: expected one of none, basic, positional, gaussian, "
                 "spectrum, got 'fourier'");
    expect_error("[network]\nactivation = tanh\n",
                 "models/x.ini:2: activation: expected one of relu, sine, got 'tanh'");
}
END_TEST

START_TEST(missing_required_keys_are_named)
{
    expect_error("[data]\nheight = 28\nwidth = 28\nchannels = 1\n",
                 "ffvae: models/x.ini: missing required key [latent] size");
    expect_error("[data]\nheight = 28\nwidth = 28\nchannels = 1\n",
                 "ffvae: models/x.ini: missing required key [network] width");
    expect_error("", "missing required key [decoder] kind");
}
END_TEST

START_TEST(syntax_errors_and_long_lines_are_reported)
{
    expect_error_plus("[training\n", "models/x.ini:12: syntax error");
    expect_error_plus("just words\n", "models/x.ini:12: syntax error");
    /* A syntax error before a value error is the one reported. */
    expect_error("oops\n[data]\nheight = x\n", "models/x.ini:1: syntax error");
    char line[400];
    memset(line, 'x', sizeof line);
    snprintf(line, sizeof line, "[model]\ndescription = %0300d\n", 1);
    expect_error(line, "models/x.ini:2: line too long");
    /* Control characters in text are refused. */
    expect_error("[model]\nname = \x01\n", "models/x.ini:2: name: expected");
}
END_TEST

START_TEST(cross_field_errors_name_the_key)
{
    expect_error_plus("[training]\npixels = 785\n",
                      "models/x.ini:13: pixels: 785 is more than the 784 pixels of a 28x28 image");
    ModelConfig c;
    char err[2048];
    char *text = minimal_plus("[training]\npixels = 784\n");
    ck_assert_int_eq(parse_capture(&c, text, "t", err, sizeof err), 0);
    free(text);

    const char *dense = "[data]\nheight = 28\nwidth = 28\nchannels = 1\n"
                        "[latent]\nsize = 16\n"
                        "[network]\nwidth = 128\ndepth = 3\n"
                        "[decoder]\nkind = dense\n";
    size_t n = strlen(dense) + 64;
    char *t = alloc_or_fail(n, 1);
    snprintf(t, n, "%sconditioning = film\n", dense);
    expect_error(t, "models/x.ini:12: conditioning film needs kind = coord in [decoder]");
    snprintf(t, n, "%s[encoding]\nkind = gaussian\n", dense);
    expect_error(t, "models/x.ini:13: encoding gaussian needs kind = coord in [decoder]");
    snprintf(t, n, "%s[training]\npixels = 100\n", dense);
    expect_error(t, "models/x.ini:13: pixels 100 needs kind = coord in [decoder]");
    /* Blamed on the key that makes the combination impossible. */
    snprintf(t, n, "%s", dense);
    char *zero = strstr(t, "size = 16");
    memcpy(zero, "size =  0", 9);
    expect_error(t, "models/x.ini:6: size 0 (no latent) needs kind = coord");
    free(t);
    ck_assert_int_eq(parse_capture(&c, dense, "t", err, sizeof err), 0);
}
END_TEST

/* [network] latent_omega: 0 (the default) is ω0; any other value needs the
 * sine coord decoder with a latent whose first layer it scales. */
START_TEST(latent_omega_needs_a_sine_coord_decoder_with_a_latent)
{
    ModelConfig c;
    char err[2048];
    char *text = minimal_plus("activation = sine\nlatent_omega = 3\n");
    ck_assert_int_eq(parse_capture(&c, text, "t", err, sizeof err), 0);
    free(text);
    ck_assert_float_eq(c.latent_omega, 3.0f);
    ck_assert_float_eq(c.omega0, 30.0f);
    /* ReLU has no ω0 to separate from: refused, and so is a --set that makes it ReLU. */
    stderr_capture_begin();
    ck_assert_int_eq(config_set(&c, "network", "activation", "relu", "test"), -1);
    stderr_capture_end(err, sizeof err);
    ck_assert_ptr_nonnull(strstr(err, "latent_omega 3 needs activation = sine"));
    ck_assert_int_eq(c.activation, ACT_SINE);
    expect_error_plus("latent_omega = 3\n", "models/x.ini:12: latent_omega 3 needs activation = sine");
    expect_error_plus("activation = sine\nlatent_omega = -1\n", "models/x.ini:13: latent_omega");
    text = minimal_plus("latent_omega = 0\n"); /* the default, written out: fine with ReLU */
    ck_assert_int_eq(parse_capture(&c, text, "t", err, sizeof err), 0);
    free(text);
    /* No latent, or a decoder whose first layer takes only z. */
    const char *no_latent = "[data]\nheight = 28\nwidth = 28\nchannels = 1\n"
                            "[latent]\nsize = 0\n"
                            "[decoder]\nkind = coord\n"
                            "[network]\nwidth = 128\ndepth = 3\nactivation = sine\n"
                            "latent_omega = 2\n";
    expect_error(no_latent, "models/x.ini:13: latent_omega 2 needs");
    const char *dense = "[data]\nheight = 28\nwidth = 28\nchannels = 1\n"
                        "[latent]\nsize = 16\n"
                        "[decoder]\nkind = dense\n"
                        "[network]\nwidth = 128\ndepth = 3\nactivation = sine\n"
                        "latent_omega = 2\n";
    expect_error(dense, "models/x.ini:13: latent_omega 2 needs");
}
END_TEST

/* The conv decoder and encoder: what parses, and each impossible combination
 * refused with the file, the line of the key to blame and the sizes that work. */
START_TEST(conv_rules_name_the_key_and_what_works)
{
    /* No [network] width: a conv decoder has no hidden MLP. */
    const char *conv = "[data]\nheight = 28\nwidth = 28\nchannels = 1\n" /* lines 1-4 */
                       "[latent]\nsize = 16\n"                            /* 5-6 */
                       "[network]\ndepth = 2\n"                           /* 7-8 */
                       "[decoder]\nkind = conv\nchannels = 64\n"         /* 9-11 */
                       "[encoder]\nkind = conv\nchannels = 16\ndepth = 2\n"; /* 12-15 */
    ModelConfig c, back;
    char err[2048];
    ck_assert_int_eq(parse_capture(&c, conv, "t", err, sizeof err), 0);
    ck_assert_int_eq(c.decoder, DECODER_CONV);
    ck_assert_int_eq(c.encoder, ENCODER_CONV);
    ck_assert_int_eq(c.dec_channels, 64);
    ck_assert_int_eq(c.enc_channels, 16);
    ck_assert_int_eq(c.enc_depth, 2);
    ck_assert_int_eq(c.net_width, 64); /* resolved, so the written text parses back */
    char *text = config_to_string(&c);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(parse_capture(&back, text, "t", err, sizeof err), 0);
    ck_assert_config_eq(&back, &c);
    free(text);

    size_t n = strlen(conv) + 128;
    char *t = alloc_or_fail(n, 1);
    snprintf(t, n, "%s", conv);
    memcpy(strstr(t, "depth = 2"), "depth = 3", 9);
    expect_error(t, "models/x.ini:8: depth 3: a conv decoder doubles its start map 3 times, so "
                    "height and width must be multiples of 8, and 28x28 is not; works: depth 1 "
                    "(start 14x14), depth 2 (start 7x7)");
    snprintf(t, n, "%s", conv);
    memcpy(strstr(t, "channels = 64"), "channels =  1", 13);
    expect_error(t, "models/x.ini:11: channels 1 halves to 0 over depth 2 transposed "
                    "convolutions; it needs at least 2");
    snprintf(t, n, "[data]\nheight = 28\nwidth = 28\nchannels = 1\n[latent]\nsize = 16\n"
                   "[network]\ndepth = 2\n[decoder]\nkind = conv\nconditioning = film\n");
    expect_error(t, "models/x.ini:11: conditioning film needs kind = coord in [decoder] (a conv "
                    "decoder's only input is z)");
    /* Conv layers have a bf16 path: bf16 parses, and auto picks it where the CPU can. */
    snprintf(t, n, "[data]\nheight = 28\nwidth = 28\nchannels = 1\n[latent]\nsize = 16\n"
                   "[network]\ndepth = 2\n[decoder]\nkind = conv\n[training]\nprecision = bf16\n");
    ck_assert_int_eq(parse_capture(&c, t, "t", err, sizeof err), 0);
    ck_assert_int_eq(c.precision, PRECISION_BF16);
    snprintf(t, n, "[data]\nheight = 28\nwidth = 28\nchannels = 1\n[latent]\nsize = 16\n"
                   "[network]\ndepth = 2\n[decoder]\nkind = conv\n[training]\nprecision = auto\n");
    ck_assert_int_eq(parse_capture(&c, t, "t", err, sizeof err), 0);
    ck_assert_int_eq(c.precision, bf16_usable() ? PRECISION_BF16 : PRECISION_FP32);
    /* A conv encoder on images too small for its strides: 4 -> 2 -> 1 -> none. */
    snprintf(t, n, "[data]\nheight = 4\nwidth = 4\nchannels = 1\n[latent]\nsize = 2\n"
                   "[network]\nwidth = 8\ndepth = 1\n[decoder]\nkind = dense\n"
                   "[encoder]\nkind = conv\ndepth = 3\n");
    expect_error(t, "models/x.ini:14: depth 3: a 4x4 image is too small for 3 stride-2 "
                    "convolutions (kernel 4, padding 1: 4x4 -> 2x2 -> 1x1 -> 0x0); at most depth 2");
    snprintf(t, n, "[data]\nheight = 64\nwidth = 64\nchannels = 1\n[latent]\nsize = 2\n"
                   "[network]\nwidth = 8\ndepth = 1\n[decoder]\nkind = dense\n"
                   "[encoder]\nkind = conv\nchannels = 4096\ndepth = 3\n");
    expect_error(t, "models/x.ini:14: channels 4096 doubles to 16384 over depth 3 convolutions");
    /* The dense decoder's width is still required. */
    expect_error("[data]\nheight = 28\nwidth = 28\nchannels = 1\n[latent]\nsize = 16\n"
                 "[network]\ndepth = 2\n[decoder]\nkind = dense\n",
                 "missing required key [network] width");
    free(t);
}
END_TEST

START_TEST(load_reports_missing_files)
{
    ModelConfig c;
    stderr_capture_begin();
    int rc = config_load(&c, "/nonexistent/dir/m.ini");
    char err[512];
    stderr_capture_end(err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_nonnull(strstr(err, "ffvae: /nonexistent/dir/m.ini: cannot open"));
}
END_TEST

/* precision = auto resolves at parse time, and again after each --set. */
START_TEST(auto_precision_resolves_to_what_training_can_run)
{
    Precision auto_choice = bf16_usable() ? PRECISION_BF16 : PRECISION_FP32;
    ModelConfig c;
    char err[2048];
    char *text = minimal_plus("[training]\nprecision = auto\n");
    ck_assert_int_eq(parse_capture(&c, text, "t", err, sizeof err), 0);
    free(text);
    ck_assert_int_eq(c.precision, auto_choice);
    /* The written text holds the resolved value, never auto. */
    char *written = config_to_string(&c);
    ck_assert_ptr_nonnull(strstr(written, auto_choice == PRECISION_BF16 ? "precision = bf16"
                                                                       : "precision = fp32"));
    free(written);
    /* Another key's --set keeps auto's choice. */
    ck_assert_int_eq(config_set(&c, "decoder", "kind", "dense", "test"), 0);
    ck_assert_int_eq(c.precision, auto_choice);
    /* An explicit value ends auto. */
    ck_assert_int_eq(config_set(&c, "training", "precision", "fp32", "test"), 0);
    ck_assert_int_eq(c.precision, PRECISION_FP32);
    ck_assert_int_eq(config_set(&c, "decoder", "kind", "coord", "test"), 0);
    ck_assert_int_eq(c.precision, PRECISION_FP32);
}
END_TEST

/* ---- round trip, config_set and encoding width ------------------------------ */

/* A config with every field away from its default, including awkward floats. */
static void unusual_config(ModelConfig *c)
{
    ck_assert_int_eq(config_parse(c, MINIMAL, "t"), 0);
    ck_assert_int_eq(config_set(c, "model", "name", "odd-one", "test"), 0);
    ck_assert_int_eq(config_set(c, "model", "description", "x = 1; y # z [w]", "test"), 0);
    ck_assert_int_eq(config_set(c, "data", "height", "17", "test"), 0);
    ck_assert_int_eq(config_set(c, "data", "width", "31", "test"), 0);
    ck_assert_int_eq(config_set(c, "data", "channels", "3", "test"), 0);
    ck_assert_int_eq(config_set(c, "latent", "size", "7", "test"), 0);
    ck_assert_int_eq(config_set(c, "latent", "beta", "0.3", "test"), 0);
    ck_assert_int_eq(config_set(c, "latent", "kl_warmup", "123", "test"), 0);
    ck_assert_int_eq(config_set(c, "latent", "free_bits", "0.25", "test"), 0);
    ck_assert_int_eq(config_set(c, "loss", "focal_alpha", "2.5", "test"), 0);
    ck_assert_int_eq(config_set(c, "likelihood", "kind", "gaussian", "test"), 0);
    ck_assert_int_eq(config_set(c, "likelihood", "sigma", "3.14159265358979", "test"), 0);
    ck_assert_int_eq(config_set(c, "encoder", "hidden", "1,2,3,4,5,6,7,8", "test"), 0);
    ck_assert_int_eq(config_set(c, "decoder", "conditioning", "film", "test"), 0);
    ck_assert_int_eq(config_set(c, "encoding", "kind", "spectrum", "test"), 0);
    ck_assert_int_eq(config_set(c, "encoding", "features", "77", "test"), 0);
    ck_assert_int_eq(config_set(c, "encoding", "sigma", "1e-7", "test"), 0);
    ck_assert_int_eq(config_set(c, "encoding", "frequencies", "9", "test"), 0);
    ck_assert_int_eq(config_set(c, "encoding", "top", "2.7182818", "test"), 0);
    ck_assert_int_eq(config_set(c, "network", "width", "99", "test"), 0);
    ck_assert_int_eq(config_set(c, "network", "depth", "8", "test"), 0);
    ck_assert_int_eq(config_set(c, "network", "activation", "sine", "test"), 0);
    ck_assert_int_eq(config_set(c, "network", "omega0", "0.1", "test"), 0);
    ck_assert_int_eq(config_set(c, "network", "latent_omega", "0.30000001", "test"), 0);
    ck_assert_int_eq(config_set(c, "training", "batch", "3", "test"), 0);
    ck_assert_int_eq(config_set(c, "training", "lr", "3e-38", "test"), 0);
    ck_assert_int_eq(config_set(c, "training", "beta1", "0.99999994", "test"), 0);
    ck_assert_int_eq(config_set(c, "training", "beta2", "0", "test"), 0);
    ck_assert_int_eq(config_set(c, "training", "epsilon", "1e-8", "test"), 0);
    ck_assert_int_eq(config_set(c, "training", "weight_decay", "-0", "test"), 0);
    ck_assert_int_eq(config_set(c, "training", "clip", "123456789", "test"), 0);
    ck_assert_int_eq(config_set(c, "training", "pixels", "527", "test"), 0);
    ck_assert_int_eq(config_set(c, "training", "log_every", "1", "test"), 0);
    ck_assert_int_eq(config_set(c, "training", "checkpoint_every", "2147483647", "test"), 0);
}

START_TEST(write_then_parse_reproduces_the_config)
{
    ModelConfig c, back, def;
    unusual_config(&c);
    config_defaults(&def);
    /* Every field really is away from its default (name/description aside). */
    ck_assert_int_ne(c.kl_warmup, def.kl_warmup);
    ck_assert_int_eq(c.enc_layers, 8);
    ck_assert_float_eq(c.epsilon, 1e-8f);

    char *text = config_to_string(&c);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(config_parse(&back, text, "round trip"), 0);
    ck_assert_config_eq(&c, &back);
    /* Short, exact float text rather than %.9g noise. */
    ck_assert_ptr_nonnull(strstr(text, "epsilon = 1e-08\n"));
    ck_assert_ptr_nonnull(strstr(text, "hidden = 1, 2, 3, 4, 5, 6, 7, 8\n"));
    ck_assert_ptr_nonnull(strstr(text, "weight_decay = 0\n"));
    ck_assert_ptr_nonnull(strstr(text, "clip = 123456792\n"));
    free(text);

    /* Through a FILE as well, and for the defaults of a minimal model. */
    ck_assert_int_eq(config_parse(&c, MINIMAL, "t"), 0);
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(config_write(&c, f), 0);
    long size = ftell(f);
    ck_assert_int_gt(size, 0);
    rewind(f);
    char *buf = alloc_or_fail((size_t)size + 1, 1);
    ck_assert_int_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    ck_assert_int_eq(config_parse(&back, buf, "t"), 0);
    ck_assert_config_eq(&c, &back);
    free(buf);
}
END_TEST

/* The knobs of the likelihood, the rate and the frequency loss: parsed, set,
 * written and read back, and bad combinations refused on their line. */
START_TEST(likelihood_rate_and_ffl_knobs)
{
    ModelConfig c, back;
    const char *kinds[] = {"bernoulli", "gaussian", "continuous_bernoulli", "laplace"};
    for (int k = 0; k < 4; k++) {
        ck_assert_int_eq(config_parse(&c, MINIMAL, "t"), 0);
        ck_assert_int_eq(config_set(&c, "likelihood", "kind", kinds[k], "test"), 0);
        ck_assert_int_eq((int)c.likelihood, k);
        ck_assert_str_eq(likelihood_name(c.likelihood), kinds[k]);
    }
    char *text = minimal_plus("[likelihood]\nkind = laplace\nsigma = learned\n"
                              "[latent]\nfree_bits = 0.5\n"
                              "[loss]\nfocal_frequency = 2\nfocal_alpha = 0.5\n");
    ck_assert_int_eq(config_parse(&c, text, "t"), 0);
    free(text);
    ck_assert_int_eq(c.likelihood, LIKELIHOOD_LAPLACE);
    ck_assert_int_eq(c.sigma_learned, 1);
    ck_assert_float_eq(c.sigma, 0.1f);
    ck_assert_float_eq(c.free_bits, 0.5f);
    ck_assert_float_eq(c.focal_frequency, 2.0f);
    ck_assert_float_eq(c.focal_alpha, 0.5f);
    text = config_to_string(&c);
    ck_assert_ptr_nonnull(strstr(text, "sigma = learned\n"));
    ck_assert_ptr_nonnull(strstr(text, "[loss]\nfocal_frequency = 2\nfocal_alpha = 0.5\n"));
    ck_assert_int_eq(config_parse(&back, text, "round trip"), 0);
    ck_assert_config_eq(&c, &back);
    free(text);
    /* --set: a number replaces learned, learned replaces a number */
    ck_assert_int_eq(config_set(&c, "likelihood", "sigma", "0.3", "test"), 0);
    ck_assert_int_eq(c.sigma_learned, 0);
    ck_assert_float_eq(c.sigma, 0.3f);
    ck_assert_int_eq(config_set(&c, "likelihood", "sigma", "learned", "test"), 0);
    ck_assert_int_eq(c.sigma_learned, 1);
    ck_assert_int_eq(config_set(&c, "latent", "beta", "0", "test"), 0);
    ck_assert_float_eq(c.beta, 0.0f);

    /* refused, with the file and line */
    expect_error("[likelihood]\nkind = poisson\n",
                 "models/x.ini:2: kind: expected one of bernoulli, gaussian, "
                 "continuous_bernoulli, laplace, got 'poisson'");
    expect_error_plus("[likelihood]\nsigma = learned\n",
                      "models/x.ini:13: sigma learned needs kind = gaussian or laplace in "
                      "[likelihood] (a bernoulli likelihood has no scale)");
    expect_error_plus("[likelihood]\nkind = continuous_bernoulli\nsigma = learned\n",
                      "models/x.ini:14: sigma learned needs kind = gaussian or laplace");
    expect_error("[likelihood]\nsigma = learnt\n",
                 "models/x.ini:2: sigma: expected a number > 0 or learned, got 'learnt'");
    expect_error("[latent]\nfree_bits = -0.5\n",
                 "models/x.ini:2: free_bits: expected a number >= 0, got '-0.5'");
    expect_error("[loss]\nfocal_frequency = -1\n",
                 "models/x.ini:2: focal_frequency: expected a number >= 0");
    expect_error("[loss]\nfocal_alpha = -1\n", "models/x.ini:2: focal_alpha: expected");
    expect_error_plus("[training]\npixels = 100\n[loss]\nfocal_frequency = 1\n",
                      "models/x.ini:15: focal_frequency 1 needs pixels = 0 in [training] (the "
                      "focal frequency loss takes the DFT of whole images");
    expect_error_plus("[loss]\nfocal_frequency = 1\n[training]\npixels = 100\n",
                      "models/x.ini:13: focal_frequency 1 needs pixels = 0");
    /* and by --set, naming the origin */
    ck_assert_int_eq(config_parse(&c, MINIMAL, "t"), 0);
    ck_assert_int_eq(config_set(&c, "loss", "focal_frequency", "1", "test"), 0);
    stderr_capture_begin();
    int rc = config_set(&c, "training", "pixels", "100", "--set");
    char err[1024];
    stderr_capture_end(err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_nonnull(strstr(err, "--set: focal_frequency 1 needs pixels = 0"));
    ck_assert_int_eq(c.pixels, 0);
}
END_TEST

/* Floats of every magnitude come back bit for bit. */
START_TEST(floats_round_trip_exactly)
{
    ModelConfig c, back;
    ck_assert_int_eq(config_parse(&c, MINIMAL, "t"), 0);
    unsigned state = 12345;
    for (int i = 0; i < 5000; i++) {
        state = state * 1664525u + 1013904223u;
        /* Positive, finite, normal: exponent bits 1..254. */
        unsigned bits = (state >> 1) & 0x7fffffffu;
        if ((bits >> 23) == 0 || (bits >> 23) == 255)
            continue;
        float v;
        memcpy(&v, &bits, sizeof v);
        c.lr = v;
        char *text = config_to_string(&c);
        ck_assert_ptr_nonnull(text);
        ck_assert_int_eq(config_parse(&back, text, "t"), 0);
        ck_assert_msg(memcmp(&back.lr, &v, sizeof v) == 0, "lr %.9g came back as %.9g", v,
                      back.lr);
        free(text);
    }
    ModelConfig d;
    config_defaults(&d);
    char *text = config_to_string(&d);
    ck_assert_ptr_nonnull(strstr(text, "omega0 = 30\n"));
    ck_assert_ptr_nonnull(strstr(text, "lr = 0.001\n"));
    free(text);
}
END_TEST

START_TEST(set_checks_values_and_keeps_the_config_on_error)
{
    ModelConfig c, before;
    ck_assert_int_eq(config_parse(&c, MINIMAL, "t"), 0);
    ck_assert_int_eq(config_set(&c, "encoding", "sigma", " 10 ", "--sweep"), 0);
    ck_assert_float_eq(c.freq_sigma, 10.0f);
    ck_assert_int_eq(config_set(&c, "latent", "size", "64", "--sweep"), 0);
    ck_assert_int_eq(c.latent, 64);

    before = c;
    ck_assert_int_eq(config_set(&c, "encoding", "sigma", "-1", "--sweep"), -1);
    ck_assert_int_eq(config_set(&c, "encoding", "sigmaa", "1", "--sweep"), -1);
    ck_assert_int_eq(config_set(&c, "nosuch", "sigma", "1", "--sweep"), -1);
    ck_assert_int_eq(config_set(&c, "training", "pixels", "785", "--sweep"), -1);
    ck_assert_int_eq(config_set(&c, "model", "description", "a ; comment", "--sweep"), -1);
    ck_assert_int_eq(config_set(&c, "model", "name", "", "--sweep"), -1);
    ck_assert_int_eq(config_set(&c, "encoding", "kind", "gaussian", "--sweep"), 0);
    ck_assert_int_eq(config_set(&c, "decoder", "kind", "dense", "--sweep"), -1);
    ck_assert_int_eq(c.decoder, DECODER_COORD);
    ck_assert_int_eq(config_set(&c, "encoding", "kind", "none", "--sweep"), 0);
    before.encoding = ENCODING_NONE;
    ck_assert_config_eq(&c, &before);
    ck_assert_int_eq(config_set(&c, "decoder", "kind", "dense", "--sweep"), 0);
    ck_assert_int_eq(c.decoder, DECODER_DENSE);
}
END_TEST

START_TEST(encoding_dim_follows_the_encoding)
{
    ModelConfig c;
    ck_assert_int_eq(config_parse(&c, MINIMAL, "t"), 0);
    c.features = 100;
    c.frequencies = 10;
    c.encoding = ENCODING_NONE;
    ck_assert_int_eq(config_encoding_dim(&c), 2);
    c.encoding = ENCODING_BASIC;
    ck_assert_int_eq(config_encoding_dim(&c), 4);
    c.encoding = ENCODING_POSITIONAL;
    ck_assert_int_eq(config_encoding_dim(&c), 40);
    c.encoding = ENCODING_GAUSSIAN;
    ck_assert_int_eq(config_encoding_dim(&c), 200);
    c.encoding = ENCODING_SPECTRUM;
    ck_assert_int_eq(config_encoding_dim(&c), 200);
    ck_assert_str_eq(encoding_name(ENCODING_POSITIONAL), "positional");
    ck_assert_str_eq(encoding_name(ENCODING_SPECTRUM), "spectrum");
    ck_assert_str_eq(activation_name(ACT_SINE), "sine");
    ck_assert_str_eq(activation_name(ACT_RELU), "relu");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, every_shipped_model_parses_and_round_trips);
    tcase_add_test(tc, fmnist_models_differ_only_in_the_choice_under_test);
    tcase_add_test(tc, bench_model_is_as_documented);
    tcase_add_test(tc, readme_documents_every_key);
    tcase_add_test(tc, defaults_fill_the_documented_values);
    tcase_add_test(tc, name_comes_from_the_file_unless_set);
    tcase_add_test(tc, syntax_variants_are_accepted);
    tcase_add_test(tc, unknown_section_is_reported_on_its_line);
    tcase_add_test(tc, unknown_key_is_reported_on_its_line);
    tcase_add_test(tc, duplicates_and_bad_numbers_are_reported);
    tcase_add_test(tc, out_of_range_values_are_reported);
    tcase_add_test(tc, bad_enum_lists_the_choices);
    tcase_add_test(tc, missing_required_keys_are_named);
    tcase_add_test(tc, syntax_errors_and_long_lines_are_reported);
    tcase_add_test(tc, cross_field_errors_name_the_key);
    tcase_add_test(tc, latent_omega_needs_a_sine_coord_decoder_with_a_latent);
    tcase_add_test(tc, conv_rules_name_the_key_and_what_works);
    tcase_add_test(tc, load_reports_missing_files);
    tcase_add_test(tc, write_then_parse_reproduces_the_config);
    tcase_add_test(tc, floats_round_trip_exactly);
    tcase_add_test(tc, likelihood_rate_and_ffl_knobs);
    tcase_add_test(tc, set_checks_values_and_keeps_the_config_on_error);
    tcase_add_test(tc, encoding_dim_follows_the_encoding);
    tcase_add_test(tc, auto_precision_resolves_to_what_training_can_run);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
