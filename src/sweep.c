/* sweep.c - parsing and resolving `--sweep KEY=V1,V2,...` (see sweep.h). */
#include "sweep.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

/* Where a bare key is looked for, in order (sweep.h). */
static const char *const BARE_ORDER[] = {"encoding",   "network", "training", "decoder", "latent",
                                         "likelihood", "encoder", "data",     "model"};

static int copy_part(char *dst, size_t size, const char *src, size_t n)
{
    if (n == 0 || n >= size)
        return -1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

int sweep_parse(Sweep *s, const char *text)
{
    memset(s, 0, sizeof *s);
    const char *eq = strchr(text, '=');
    if (!eq || copy_part(s->label, sizeof s->label, text, (size_t)(eq - text)) != 0) {
        ffvae_error("--sweep: expected KEY=V1,V2,..., got '%s'", text);
        return -1;
    }
    const char *dot = strchr(s->label, '.');
    if (dot) {
        if (copy_part(s->section, sizeof s->section, s->label, (size_t)(dot - s->label)) != 0 ||
            copy_part(s->key, sizeof s->key, dot + 1, strlen(dot + 1)) != 0 ||
            !config_has_key(s->section, s->key)) {
            ffvae_error("--sweep: '%s' is not a model key (section.key)", s->label);
            return -1;
        }
    } else {
        for (size_t i = 0; i < sizeof BARE_ORDER / sizeof BARE_ORDER[0]; i++)
            if (config_has_key(BARE_ORDER[i], s->label)) {
                snprintf(s->section, sizeof s->section, "%s", BARE_ORDER[i]);
                snprintf(s->key, sizeof s->key, "%s", s->label);
                break;
            }
        if (!s->section[0]) {
            ffvae_error("--sweep: '%s' is not a model key", s->label);
            return -1;
        }
    }
    const char *p = eq + 1;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (s->n == SWEEP_MAX_VALUES) {
            ffvae_error("--sweep: more than %d values", SWEEP_MAX_VALUES);
            return -1;
        }
        if (copy_part(s->values[s->n], sizeof s->values[0], p, n) != 0) {
            ffvae_error("--sweep: %s: an empty or overlong value in '%s'", s->label, eq + 1);
            return -1;
        }
        s->n++;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

/* The rules fit and compare share: encoding and network keys that only some
 * encodings or activations have. */
static const char *model_rule(const Sweep *s, const ModelConfig *c)
{
    const char *sec = s->section, *key = s->key;
    EncodingKind e = c->encoding;
    if (strcmp(sec, "encoding") == 0 && strcmp(key, "features") == 0 &&
        e != ENCODING_GAUSSIAN && e != ENCODING_SPECTRUM)
        return "only gaussian and spectrum encodings have features";
    if (strcmp(sec, "encoding") == 0 && strcmp(key, "sigma") == 0 && e != ENCODING_GAUSSIAN)
        return "only the gaussian encoding has a sigma";
    if (strcmp(sec, "encoding") == 0 && (strcmp(key, "frequencies") == 0 || strcmp(key, "top") == 0) &&
        e != ENCODING_POSITIONAL)
        return "only the positional encoding has frequencies and top";
    if (strcmp(sec, "network") == 0 && strcmp(key, "omega0") == 0 && c->activation != ACT_SINE)
        return "omega0 applies only to sine activations";
    return NULL;
}

int sweep_applies_to_fit(const Sweep *s, const ModelConfig *c, const char **why)
{
    const char *sec = s->section, *key = s->key;
    *why = NULL;
    if (strcmp(sec, "data") == 0 || strcmp(sec, "likelihood") == 0 ||
        (strcmp(sec, "training") == 0 && (strcmp(key, "batch") == 0 || strcmp(key, "pixels") == 0)))
        *why = "fit sets it itself (from the image and the protocol)";
    else if (strcmp(sec, "latent") == 0 || strcmp(sec, "encoder") == 0)
        *why = "fit's models have no latent and no encoder";
    else
        *why = model_rule(s, c);
    return *why == NULL;
}

int sweep_applies_to_vae(const Sweep *s, const ModelConfig *c, const char **why)
{
    const char *sec = s->section;
    *why = NULL;
    if (strcmp(sec, "data") == 0)
        *why = "the dataset fixes the image geometry";
    else if (strcmp(sec, "model") == 0)
        *why = "the model's name and description are not a setting (runs are named by the value)";
    else if (strcmp(sec, "encoding") == 0 && c->decoder != DECODER_COORD)
        *why = "only a coord decoder has a coordinate encoding";
    else
        *why = model_rule(s, c);
    return *why == NULL;
}

int config_apply_sets(ModelConfig *c, const char *const *sets, int n)
{
    for (int i = 0; i < n; i++) {
        Sweep one;
        if (!strchr(sets[i], '=')) {
            ffvae_error("--set %s: expected KEY=VALUE", sets[i]);
            return -1;
        }
        if (sweep_parse(&one, sets[i]) != 0)
            return -1;
        if (one.n != 1) {
            ffvae_error("--set %s: expected one KEY=VALUE", sets[i]);
            return -1;
        }
        if (config_set(c, one.section, one.key, one.values[0], "--set") != 0)
            return -1;
    }
    return 0;
}

int sweep_value_dir(char *buf, size_t size, const Sweep *s, int value)
{
    int n = snprintf(buf, size, "%s=%s", s->key, s->values[value]);
    if (n < 0 || (size_t)n >= size)
        return -1;
    for (char *p = buf; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.' || *p == '+' || *p == '='))
            *p = '_';
    return 0;
}
