/* cmd_model.h - plumbing shared by the commands that use a trained model
 * (sample, interp, recon, eval): loading a checkpoint and a dataset that fits
 * it, option parsing, checking an output path before the long work. */
#ifndef FFVAE_CMD_MODEL_H
#define FFVAE_CMD_MODEL_H

#include <stdint.h>

#include "dataset.h"
#include "model.h"

/* Largest side --size accepts: 8192² pixels is 256 MiB of floats per grey
 * image, already more than any figure needs. */
#define RENDER_MAX_SIZE 8192

/* Loads the model of a checkpoint; refuses one without a latent (a `fit`
 * network is not a VAE). cmd names the command in messages. */
int load_vae(Model *m, const char *cmd, const char *path);

/* Loads a dataset and checks that its images are the model's size and
 * channels. */
int load_fitting_data(Dataset *ds, const Model *m, const char *ckpt, const char *path);

/* Parses a whole number in [lo, hi] for option opt of command cmd
 * ("ffvae: CMD: --OPT: expected LO..HI, got 'ARG'"). */
int parse_int_option(int *out, const char *cmd, const char *opt, const char *arg, long lo,
                     long hi);

/* --size S: 1..RENDER_MAX_SIZE. */
int parse_size_option(int *out, const char *cmd, const char *arg);

/* Checks that path can be written (existing directory, writable, not a
 * directory itself) before any work, so a bad path fails fast. */
int check_output_path(const char *path);

/* out[n, Hs, Ws, C] floats in [0, 1] from uint8 images [n, H, W, C],
 * enlarged (or reduced) by nearest neighbour: out(y, x) = in(y H / Hs, x W / Ws). */
void images_to_float(float *out, const uint8_t *in, int n, int H, int W, int C, int Hs, int Ws);

#endif
