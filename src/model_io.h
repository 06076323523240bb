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

/* What the figure commands (sample, interp, recon) start from: their output
 * path checked before any work, the VAE of a checkpoint, and, when data is
 * not NULL, a dataset that fits it. */
typedef struct {
    Model m;
    Dataset ds;
    int have_data;
} TrainedVae;

/* 0 with everything loaded, or -1 after reporting (nothing left to free). */
int trained_vae_open(TrainedVae *v, const char *out, const char *ckpt, const char *data);
void trained_vae_close(TrainedVae *v);

#endif
