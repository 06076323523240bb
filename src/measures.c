/* measures.c - MSE, PSNR and SSIM (definitions in measures.h).
 *
 * SSIM is computed directly: for each valid window position, the weighted
 * sums of a, b, a^2, b^2 and ab over the window. That is 5 w^2 multiply-adds
 * per position (about 0.2 M per 28x28 image), allocation-free, and simple
 * enough to check by eye; a separable two-pass version would need scratch. */
#include "measures.h"

#include <math.h>

double image_mse(const float *a, const float *b, size_t n)
{
    if (n == 0)
        return 0.0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)b[i];
        sum += d * d;
    }
    return sum / (double)n;
}

double psnr_db(double mse)
{
    if (isnan(mse) || mse < 0)
        return NAN;
    if (mse == 0)
        return INFINITY;
    return -10.0 * log10(mse); /* 10 log10(peak^2 / mse) with peak 1 */
}

int ssim_window_size(int H, int W)
{
    int side = H < W ? H : W;
    if (side > SSIM_WINDOW)
        side = SSIM_WINDOW;
    if (side % 2 == 0)
        side--; /* odd, so the window has a centre pixel */
    return side;
}

/* g[w]: 1-D Gaussian of sigma SSIM_SIGMA centred on the middle tap, summing
 * to 1; the 2-D window g[i] g[j] then sums to 1 too. */
static void gaussian_taps(double *g, int w)
{
    double sum = 0;
    int mid = w / 2;
    for (int i = 0; i < w; i++) {
        double d = i - mid;
        g[i] = exp(-d * d / (2.0 * SSIM_SIGMA * SSIM_SIGMA));
        sum += g[i];
    }
    for (int i = 0; i < w; i++)
        g[i] /= sum;
}

double ssim(const float *a, const float *b, int H, int W, int C)
{
    if (H < 1 || W < 1 || C < 1)
        return NAN;
    const double c1 = SSIM_K1 * SSIM_K1; /* (K1 L)^2 with L = 1 */
    const double c2 = SSIM_K2 * SSIM_K2;
    const int w = ssim_window_size(H, W);
    double g[SSIM_WINDOW];
    gaussian_taps(g, w);
    const int out_h = H - w + 1, out_w = W - w + 1; /* valid region */

    double total = 0;
    for (int c = 0; c < C; c++) {
        double channel_sum = 0;
        for (int oy = 0; oy < out_h; oy++)
            for (int ox = 0; ox < out_w; ox++) {
                /* Weighted moments over the window: row sums weighted by
                 * g[j], then rows weighted by g[i]. */
                double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
                for (int i = 0; i < w; i++) {
                    const size_t row = ((size_t)(oy + i) * W + ox) * C + c;
                    double ra = 0, rb = 0, raa = 0, rbb = 0, rab = 0;
                    for (int j = 0; j < w; j++) {
                        double x = a[row + (size_t)j * C], y = b[row + (size_t)j * C];
                        double gx = g[j] * x, gy = g[j] * y;
                        ra += gx;
                        rb += gy;
                        raa += gx * x;
                        rbb += gy * y;
                        rab += gx * y;
                    }
                    sa += g[i] * ra;
                    sb += g[i] * rb;
                    saa += g[i] * raa;
                    sbb += g[i] * rbb;
                    sab += g[i] * rab;
                }
                double var_a = saa - sa * sa, var_b = sbb - sb * sb, cov = sab - sa * sb;
                channel_sum += ((2 * sa * sb + c1) * (2 * cov + c2)) /
                               ((sa * sa + sb * sb + c1) * (var_a + var_b + c2));
            }
        total += channel_sum / ((double)out_h * out_w);
    }
    return total / C;
}

double laplacian_variance(const float *img, int H, int W, int C)
{
    if (H < 3 || W < 3 || C < 1)
        return NAN;
    double total = 0;
    long count = (long)(H - 2) * (W - 2);
    for (int c = 0; c < C; c++) {
        double s = 0, ss = 0;
        for (int y = 1; y < H - 1; y++)
            for (int x = 1; x < W - 1; x++) {
#define PX(yy, xx) ((double)img[((size_t)(yy) * W + (xx)) * C + c])
                double l = PX(y - 1, x) + PX(y + 1, x) + PX(y, x - 1) + PX(y, x + 1) -
                           4 * PX(y, x);
#undef PX
                s += l;
                ss += l * l;
            }
        double mean = s / count;
        total += ss / count - mean * mean;
    }
    return total / C;
}

double image_lfd(const float *a, const float *b, int H, int W, int C)
{
    double mse = image_mse(a, b, (size_t)H * W * C);
    return log(1.0 + (double)H * W * 255.0 * 255.0 * mse);
}
