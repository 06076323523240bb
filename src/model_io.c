/* model_io.c - a trained VAE and a dataset that fits it (model_io.h). */
#include "model_io.h"

#include "checkpoint.h"
#include "util.h"

int load_vae(Model *m, const char *path)
{
    if (checkpoint_load(path, m, NULL) != 0)
        return -1;
    if (m->latent < 1) {
        ffvae_error("%s: the model has no latent code (not a VAE)", path);
        model_free(m);
        return -1;
    }
    return 0;
}

int load_fitting_data(Dataset *ds, const Model *m, const char *ckpt, const char *path)
{
    if (dataset_load(ds, path) != 0)
        return -1;
    if (split_check_geometry(&ds->test, m->H, m->W, m->C, ckpt, path) != 0) {
        dataset_free(ds);
        return -1;
    }
    return 0;
}
