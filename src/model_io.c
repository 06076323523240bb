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

int trained_vae_open(TrainedVae *v, const char *out, const char *ckpt, const char *data)
{
    v->have_data = 0;
    if (output_check(out) != 0 || load_vae(&v->m, ckpt) != 0)
        return -1;
    if (data && load_fitting_data(&v->ds, &v->m, ckpt, data) != 0) {
        model_free(&v->m);
        return -1;
    }
    v->have_data = data != NULL;
    return 0;
}

void trained_vae_close(TrainedVae *v)
{
    if (v->have_data)
        dataset_free(&v->ds);
    model_free(&v->m);
}
