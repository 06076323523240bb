/* latent.c - prior draws, posterior means and interpolation paths (latent.h). */
#include "latent.h"

#include <math.h>
#include <string.h>

#include "util.h"
#include "workspace.h"

void latent_sample_prior(float *z, int n, int d, float temperature, Rng *r)
{
    size_t count = (size_t)n * (size_t)d;
    rng_normal_fill(r, z, (long)count);
    for (size_t i = 0; i < count; i++)
        z[i] *= temperature;
}

int latent_encode_means(float *mu, const Model *m, const uint8_t *images, int n)
{
    int B = n < 64 ? n : 64, d = m->latent;
    size_t image_size = (size_t)m->P * (size_t)m->C;
    Workspace ws;
    if (n < 1)
        return 0;
    if (workspace_create(&ws, m, B, 0, m->H, m->W) != 0)
        return -1;
    for (int first = 0; first < n; first += B) {
        int nb = n - first < B ? n - first : B;
        workspace_load_images(&ws, m, images + (size_t)first * image_size, nb);
        /* ε = 0 makes z the posterior mean μ (model_encode with no generator). */
        memset(ws.eps, 0, (size_t)nb * d * sizeof(float));
        model_encode(m, &ws, nb, NULL);
        memcpy(mu + (size_t)first * d, ws.mu, (size_t)nb * d * sizeof(float));
    }
    workspace_free(&ws);
    return 0;
}

void latent_lerp(float *out, const float *a, const float *b, int d, float t)
{
    for (int i = 0; i < d; i++)
        out[i] = (1.0f - t) * a[i] + t * b[i];
}

void latent_slerp(float *out, const float *a, const float *b, int d, float t)
{
    /* Exact ends, and a path from a latent to itself stays on it, whatever
     * the rounding below would do. */
    if (t == 0.0f || t == 1.0f || memcmp(a, b, (size_t)d * sizeof(float)) == 0) {
        memmove(out, t == 1.0f ? b : a, (size_t)d * sizeof(float));
        return;
    }
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < d; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    double norms = sqrt(aa * bb);
    double cosw = norms > 0 ? ab / norms : 1.0;
    if (cosw > 1.0)
        cosw = 1.0;
    if (cosw < -1.0)
        cosw = -1.0;
    double omega = acos(cosw), s = sin(omega);
    /* Below this the two weights lose their digits: the circle is undefined. */
    if (s < 1e-6) {
        latent_lerp(out, a, b, d, t);
        return;
    }
    double wa = sin((1.0 - t) * omega) / s, wb = sin(t * omega) / s;
    for (int i = 0; i < d; i++)
        out[i] = (float)(wa * a[i] + wb * b[i]);
}

void latent_path(float *path, const float *a, const float *b, int d, int frames, int slerp)
{
    for (int k = 0; k < frames; k++) {
        float t = frames > 1 ? (float)k / (float)(frames - 1) : 0.0f;
        float *out = path + (size_t)k * d;
        if (slerp)
            latent_slerp(out, a, b, d, t);
        else
            latent_lerp(out, a, b, d, t);
    }
}
