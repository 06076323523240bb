/* sweep.h - `--sweep KEY=V1,V2,...`: one model definition run at several
 * values of one key.
 *
 * KEY is `section.key` or a bare key. A bare key means the first section, in
 * the order encoding, network, training, decoder, latent, likelihood, encoder,
 * data, model, that has it: so `sigma` is [encoding] sigma (the Gaussian
 * features' σ), not the likelihood's. Each value is set with config_set (the
 * same checks as in a file). */
#ifndef FFVAE_SWEEP_H
#define FFVAE_SWEEP_H

#include <stddef.h>

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

/* For `ffvae compare`: 1 when the key changes the VAE c describes (the same
 * encoding and activation rules as fit; [encoding] keys only with a coord
 * decoder; never [data], which the dataset fixes, or [model]), else 0 with
 * *why saying so. A value the key does not accept is config_set's to refuse. */
int sweep_applies_to_vae(const Sweep *s, const ModelConfig *c, const char **why);

/* A run directory's name for one value: "KEY=VALUE" with KEY the key without
 * its section (so `beta` and `latent.beta` name the same runs), every
 * character outside [A-Za-z0-9._+=-] replaced by '_' (so no '/' and no
 * shell-special character), e.g. "beta=0.5", "sigma=3". 0, or -1 when it
 * does not fit size. */
int sweep_value_dir(char *buf, size_t size, const Sweep *s, int value);

/* The most `--set KEY=V` options a command takes. */
#define CONFIG_MAX_SETS 32

/* Applies `--set KEY=V` texts (KEY as for --sweep, exactly one value each) to c
 * in order; origin names them in messages. 0, or -1 after reporting. */
int config_apply_sets(ModelConfig *c, const char *const *sets, int n);

#endif
