/* sweep.h - `--sweep KEY=V1,V2,...`: one model definition run at several
 * values of one key.
 *
 * KEY is `section.key` or a bare key. A bare key means the first section, in
 * the order encoding, network, training, decoder, latent, likelihood, encoder,
 * data, model, loss, that has it: so `sigma` is [encoding] sigma (the Gaussian
 * features' σ), not the likelihood's. Each value is set with config_set (the
 * same checks as in a file). */
#ifndef FFVAE_SWEEP_H
#define FFVAE_SWEEP_H

#include "model_config.h"

#define SWEEP_MAX_VALUES 64

typedef struct {
    char section[64], key[64];
    char label[64];                         /* KEY as given, for run names and tables */
    char values[SWEEP_MAX_VALUES][64];
    int n;
} Sweep;

/* Parses "KEY=V1,V2,..." (values non-empty, at most SWEEP_MAX_VALUES). */
int sweep_parse(Sweep *s, const char *text);

/* For `ffvae fit`: 1 when the key changes what the model fits (features and
 * sigma only with the encodings that use them, frequencies and top only with
 * positional, omega0 only with sine; keys that fit sets itself, such as the
 * image geometry or the batch, never), else 0 with *why saying so. */
int sweep_applies_to_fit(const Sweep *s, const ModelConfig *c, const char **why);

/* The most `--set KEY=V` options a command takes. */
#define CONFIG_MAX_SETS 32

/* Applies `--set KEY=V` texts (KEY as for --sweep, exactly one value each) to c
 * in order; origin names them in messages. 0, or -1 after reporting. */
int config_apply_sets(ModelConfig *c, const char *const *sets, int n);

#endif
