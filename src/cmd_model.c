/* cmd_model.c - shared plumbing of sample, interp, recon and eval (cmd_model.h). */
#include "cmd_model.h"

#include "checkpoint.h"
#include "util.h"

int load_vae(Model *m, const char *cmd, const char *path)
{
    if (checkpoint_load(path, m, NULL) != 0)
        return -1;
    if (m->latent < 1) {
        ffvae_error("%s: %s: the model has no latent code (not a VAE)", cmd, path);
        model_free(m);
        return -1;
    }
    return 0;
}

int load_fitting_data(Dataset *ds, const Model *m, const char *ckpt, const char *path)
{
    if (dataset_load(ds, path) != 0)
        return -1;
    const Split *s = &ds->test;
    if (s->h != m->H || s->w != m->W || s->c != m->C) {
        ffvae_error("%s: model expects %dx%dx%d images, but %s holds %dx%dx%d", ckpt, m->H, m->W,
                    m->C, path, s->h, s->w, s->c);
        dataset_free(ds);
        return -1;
    }
    return 0;
}

int parse_int_option(int *out, const char *cmd, const char *opt, const char *arg, long lo,
                     long hi)
{
    long v;
    if (parse_long(arg, &v) || v < lo || v > hi) {
        ffvae_error("%s: --%s: expected a whole number from %ld to %ld, got '%s'", cmd, opt, lo, hi,
                    arg);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int parse_size_option(int *out, const char *cmd, const char *arg)
{
    return parse_int_option(out, cmd, "size", arg, 1, RENDER_MAX_SIZE);
}

int check_output_path(const char *path)
{
    OutputFile o;
    if (output_begin(&o, path, 1) != 0)
        return -1;
    output_abort(&o); /* nothing was created; this only clears the name */
    return 0;
}

void images_to_float(float *out, const uint8_t *in, int n, int H, int W, int C, int Hs, int Ws)
{
    for (int i = 0; i < n; i++) {
        const uint8_t *src = in + (size_t)i * H * W * C;
        float *dst = out + (size_t)i * Hs * Ws * C;
        for (int y = 0; y < Hs; y++) {
            int sy = (int)((long)y * H / Hs);
            for (int x = 0; x < Ws; x++) {
                int sx = (int)((long)x * W / Ws);
                for (int c = 0; c < C; c++)
                    dst[((size_t)y * Ws + x) * C + c] =
                        src[((size_t)sy * W + sx) * C + c] * (1.0f / 255.0f);
            }
        }
    }
}
