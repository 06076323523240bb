/* adam.c - one fused pass of Adam over the flat parameter buffer. */
#include "adam.h"

#include <math.h>

double adam_step(float *params, const float *grads, float *m, float *v, size_t n,
                 const AdamSettings *s, long t)
{
    double sq = 0.0;
    for (size_t i = 0; i < n; i++)
        sq += (double)grads[i] * grads[i];
    double norm = sqrt(sq);
    float g_scale = (s->clip > 0 && norm > s->clip) ? (float)(s->clip / norm) : 1.0f;

    /* Bias corrections folded into the step size, as in Kingma & Ba (2015), Alg. 1 note. */
    double c1 = 1.0 - pow(s->beta1, (double)t), c2 = 1.0 - pow(s->beta2, (double)t);
    float step = (float)(s->lr * sqrt(c2) / c1);
    float eps = (float)(s->epsilon * sqrt(c2));
    float decay = 1.0f - s->lr * s->weight_decay;
    float b1 = s->beta1, b2 = s->beta2;
    for (size_t i = 0; i < n; i++) {
        float g = grads[i] * g_scale;
        m[i] = b1 * m[i] + (1.0f - b1) * g;
        v[i] = b2 * v[i] + (1.0f - b2) * g * g;
        params[i] = params[i] * decay - step * m[i] / (sqrtf(v[i]) + eps);
    }
    return norm;
}
