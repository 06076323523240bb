/* model_config.h - a model definition (models/NAME.ini), parsed with inih.
 *
 * Sections and keys (defaults in brackets; "required" keys have none):
 *   [model]      name [file's base name], description [""]
 *   [data]       height, width, channels (required: the image geometry the model expects)
 *   [latent]     size (required; 0 = no latent, only for `ffvae fit`),
 *                beta [1], kl_warmup [0] (steps of linear β warm-up from 0),
 *                free_bits [0] (per-dimension KL floor in nats, losses.h)
 *   [likelihood] kind = bernoulli | gaussian | continuous_bernoulli | laplace [bernoulli],
 *                sigma [0.1] (gaussian: σ; laplace: the scale b) or "learned" (one
 *                learned log σ or log b per channel, a model tensor)
 *   [loss]       focal_frequency [0 = off] (weight of the focal frequency loss, ffl.h),
 *                focal_alpha [1] (its spectrum weight exponent α)
 *   [encoder]    kind = mlp | conv [mlp],
 *                hidden = comma list of MLP widths, e.g. "512, 256" [512, 256] (mlp),
 *                channels [32], depth [2] (conv: stride-2 convolutions, channels doubling)
 *   [decoder]    kind = coord | dense | conv (required), conditioning = input | film [input],
 *                channels [64] (conv: C0, the start map's channels, halving per layer)
 *   [encoding]   kind = none | basic | positional | gaussian | spectrum [none]
 *                features [128] (gaussian, spectrum), sigma [4] (gaussian),
 *                frequencies [8], top [6] (positional: per-axis count, highest frequency)
 *   [network]    width, depth (required: hidden width and number of hidden layers;
 *                for kind = conv, depth is the number of transposed convolutions and
 *                width is not required and is ignored),
 *                activation = relu | sine [relu], omega0 [30] (sine),
 *                latent_omega [0 = omega0] (sine, coord: the latent's scale in the first layer)
 *   [training]   batch [64], lr [1e-3], beta1 [0.9], beta2 [0.999], epsilon [1e-8],
 *                weight_decay [0], clip [0 = off] (global gradient norm),
 *                precision = fp32 | bf16 | auto [fp32] (bf16: the operands of every matrix
 *                product in bf16 with fp32 accumulation; weights, gradients, Adam
 *                and the loss stay fp32; needs oneDNN and a CPU with AVX512-BF16;
 *                auto: bf16 where that holds and the decoder has a bf16 path, else fp32),
 *                pixels [0 = all] (random coordinates per image per step),
 *                log_every [50], checkpoint_every [1000],
 *                reduce [exact] (exact | fast), reduce_chunk [4] (MPI jobs: dist_train.h)
 * An unknown section or key, a malformed or out-of-range value, or a missing
 * required key is an error naming the file and line. */
#ifndef FFVAE_MODEL_CONFIG_H
#define FFVAE_MODEL_CONFIG_H

#include <stdio.h>

#define CONFIG_MAX_LAYERS 8

typedef enum {
    LIKELIHOOD_BERNOULLI, LIKELIHOOD_GAUSSIAN, LIKELIHOOD_CONTINUOUS_BERNOULLI, LIKELIHOOD_LAPLACE
} Likelihood;
typedef enum { DECODER_COORD, DECODER_DENSE, DECODER_CONV } DecoderKind;
typedef enum { ENCODER_MLP, ENCODER_CONV } EncoderKind;
typedef enum { COND_INPUT, COND_FILM } Conditioning;
typedef enum {
    ENCODING_NONE, ENCODING_BASIC, ENCODING_POSITIONAL, ENCODING_GAUSSIAN, ENCODING_SPECTRUM
} EncodingKind;
typedef enum { ACT_RELU, ACT_SINE } Activation;
/* AUTO is what a model file may ask for; parsing resolves it (precision_auto
 * remembers the request, so a later --set re-resolves it). */
typedef enum { PRECISION_FP32, PRECISION_BF16, PRECISION_AUTO } Precision;

typedef struct {
    char name[64];
    char description[256];

    int height, width, channels;

    int latent;
    float beta;
    int kl_warmup;
    float free_bits; /* nats per latent dimension; 0 = off */

    Likelihood likelihood;
    float sigma;      /* gaussian σ, or laplace b, when not learned */
    int sigma_learned; /* sigma = learned: a log σ (log b) per channel in the model */

    float focal_frequency; /* [loss] weight of the focal frequency loss; 0 = off */
    float focal_alpha;     /* its exponent α */

    EncoderKind encoder;
    int enc_hidden[CONFIG_MAX_LAYERS];
    int enc_layers; /* entries used in enc_hidden */
    int enc_channels, enc_depth; /* conv encoder */

    DecoderKind decoder;
    Conditioning conditioning;
    int dec_channels; /* conv decoder: C0 */

    EncodingKind encoding;
    int features;
    float freq_sigma;
    int frequencies;
    float top;

    int net_width, net_depth;
    Activation activation;
    float omega0;
    /* Sine coord decoder: the first layer is sin(ω0·(γ·Wx + b) + latent_omega·(z·Wz));
     * 0 means ω0 itself (plain SIREN over [γ, z], as before the key existed). */
    float latent_omega;

    int batch;
    float lr, beta1, beta2, epsilon, weight_decay, clip;
    Precision precision; /* fp32 or bf16, never AUTO after parsing */
    int precision_auto;  /* the file or --set said auto */
    int pixels;
    int log_every, checkpoint_every;
    int reduce;       /* REDUCE_EXACT | REDUCE_FAST: the gradient sum of an MPI job */
    int reduce_chunk; /* images per chunk of the exact sum (dist_train.h) */
} ModelConfig;

/* [training] reduce: how an MPI job sums gradients (dist_train.h). */
enum { REDUCE_EXACT, REDUCE_FAST };

/* Fills every default; required fields are left 0/unset. */
void config_defaults(ModelConfig *c);
/* Parses a file, or a model NAME's file (model_find.h): name defaults to its
 * base name without .ini. */
int config_load(ModelConfig *c, const char *path);
/* Parses INI text; origin names the source in messages (a path, or "checkpoint X"). */
int config_parse(ModelConfig *c, const char *text, const char *origin);
/* Sets one value as if read from [section] key = value (for --sweep and tests);
 * origin names where it came from in messages. The value and the rules between
 * keys are checked; on error c is left unchanged. */
int config_set(ModelConfig *c, const char *section, const char *key, const char *value,
               const char *origin);
/* 1 when [section] key is a key of the format (whatever its value), else 0. */
int config_has_key(const char *section, const char *key);
/* Writes the resolved config as INI text (every key, parseable by config_parse). */
int config_write(const ModelConfig *c, FILE *f);
/* Writes it to path atomically (a run's config.ini). */
int config_write_file(const ModelConfig *c, const char *path);
/* Same, into a malloc'd string; NULL on failure. */
char *config_to_string(const ModelConfig *c);
/* Number of encoding inputs to the decoder's first layer: 2 for none, 2F otherwise
 * (F = 2 basic, 2·frequencies positional, features gaussian/spectrum). */
int config_encoding_dim(const ModelConfig *c);
/* The conv layers' kernel, stride and padding (the models' DCGAN-style layers). */
#define CONV_KERNEL 4
#define CONV_STRIDE 2
#define CONV_PAD 1
/* Names used in INI text and messages. */
const char *encoding_name(EncodingKind k);
const char *decoder_name(DecoderKind k);
const char *activation_name(Activation a);
const char *precision_name(Precision p);
const char *likelihood_name(Likelihood l);

#endif
