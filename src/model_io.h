/* model_io.h - loading what the model-using commands start from: a trained
 * VAE from its checkpoint, and a dataset whose images fit it. */
#ifndef FFVAE_MODEL_IO_H
#define FFVAE_MODEL_IO_H

#include "dataset.h"
#include "model.h"

/* Loads the model of a checkpoint; refuses one without a latent (a `fit`
 * network is not a VAE), naming the file. */
int load_vae(Model *m, const char *path);

/* Loads a dataset and checks that its test images are the model's size and
 * channels (ckpt names the model in the message). */
int load_fitting_data(Dataset *ds, const Model *m, const char *ckpt, const char *path);

#endif
