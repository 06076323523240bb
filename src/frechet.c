/* frechet.c - FID, KID and precision/recall of two feature sets
 * (definitions in frechet.h). Everything is double: the sums of 10⁸ kernel
 * values and the traces of FID lose digits in float. The n × m products go
 * through DGEMM in blocks of rows, so memory stays O(block · m), split over
 * the thread pool (each part one DGEMM on its rows). */
#include "frechet.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "rng.h"
#include "util.h"

/* Rows of the n × m products computed at once: 256 · 10 000 doubles = 20 MB. */
#define BLOCK_ROWS 256

/* ---- FID ------------------------------------------------------------------ */

int feature_stats(FeatureStats *s, const double *x, int n, int d, const char *what)
{
    memset(s, 0, sizeof *s);
    if (d < 1 || n <= d) {
        ffvae_error("%s: %d images are too few for FID in %d feature dimensions: it needs more "
                    "than %d (the covariance of %d points in %d dimensions is singular)",
                    what, n, d, d, n, d);
        return -1;
    }
    s->n = n, s->d = d;
    s->mean = checked_malloc((size_t)d * (d + 1), sizeof(double), "feature statistics");
    double *xc = checked_malloc((size_t)n * d, sizeof(double), "centred features");
    if (!s->mean || !xc) {
        free(xc);
        feature_stats_free(s);
        return -1;
    }
    s->cov = s->mean + d;
    memset(s->mean, 0, (size_t)d * sizeof(double));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            s->mean[j] += x[(size_t)i * d + j];
    for (int j = 0; j < d; j++)
        s->mean[j] /= n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            xc[(size_t)i * d + j] = x[(size_t)i * d + j] - s->mean[j];
    /* Σ = Xcᵀ Xc / (n − 1): the upper triangle, then mirrored. */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, d, n, 1.0 / (n - 1), xc, d, 0.0, s->cov, d);
    for (int i = 0; i < d; i++)
        for (int j = 0; j < i; j++)
            s->cov[(size_t)i * d + j] = s->cov[(size_t)j * d + i];
    free(xc);
    return 0;
}

void feature_stats_free(FeatureStats *s)
{
    free(s->mean);
    s->mean = s->cov = NULL;
}

/* Eigenvalues w[d] (ascending) of symmetric a[d, d], and its eigenvectors in
 * the columns of a when vectors is set (a is overwritten either way). */
static int sym_eigen(double *a, double *w, int d, int vectors)
{
    lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, vectors ? 'V' : 'N', 'U', d, a, d, w);
    if (info != 0) {
        ffvae_error("FID: the symmetric eigen-decomposition failed (LAPACKE_dsyevd info %d)",
                    (int)info);
        return -1;
    }
    return 0;
}

int frechet_distance(double *fid, const FeatureStats *a, const FeatureStats *b)
{
    int d = a->d, rc = -1;
    if (b->d != d) {
        ffvae_error("FID: feature sets of %d and %d dimensions", a->d, b->d);
        return -1;
    }
    size_t dd = (size_t)d * d;
    double *buf = checked_malloc(3 * dd + d, sizeof(double), "FID matrices");
    if (!buf)
        return -1;
    double *v = buf, *s1h = v + dd, *t = s1h + dd, *w = t + dd;
    /* Σ1^½ = V √Λ Vᵀ */
    memcpy(v, a->cov, dd * sizeof *v);
    if (sym_eigen(v, w, d, 1) != 0)
        goto done;
    for (int i = 0; i < d; i++) /* t = V √Λ (column j of V times √λ_j) */
        for (int j = 0; j < d; j++)
            t[(size_t)i * d + j] = v[(size_t)i * d + j] * sqrt(fmax(w[j], 0.0));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d, d, d, 1.0, t, d, v, d, 0.0, s1h, d);
    /* M = Σ1^½ Σ2 Σ1^½ (symmetric PSD), into v */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, s1h, d, b->cov, d, 0.0,
                t, d);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, d, d, 1.0, t, d, s1h, d, 0.0, v, d);
    for (int i = 0; i < d; i++) /* symmetrise away the rounding */
        for (int j = 0; j < i; j++)
            v[(size_t)i * d + j] = v[(size_t)j * d + i] =
                0.5 * (v[(size_t)i * d + j] + v[(size_t)j * d + i]);
    if (sym_eigen(v, w, d, 0) != 0)
        goto done;
    double tr_sqrt = 0, tr1 = 0, tr2 = 0, dmu = 0;
    for (int i = 0; i < d; i++) {
        tr_sqrt += sqrt(fmax(w[i], 0.0));
        tr1 += a->cov[(size_t)i * d + i];
        tr2 += b->cov[(size_t)i * d + i];
        double e = a->mean[i] - b->mean[i];
        dmu += e * e;
    }
    *fid = dmu + tr1 + tr2 - 2 * tr_sqrt;
    rc = 0;
done:
    free(buf);
    return rc;
}

/* ---- blocked products ----------------------------------------------------- */

/* g[rows, m] = a[rows, d] · b[m, d]ᵀ, split by rows over the pool. */
typedef struct {
    double *g;
    const double *a, *b;
    int m, d;
} GramJob;

static void gram_part(void *arg, size_t r0, size_t r1, int part)
{
    (void)part;
    const GramJob *j = arg;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(r1 - r0), j->m, j->d, 1.0,
                j->a + r0 * j->d, j->d, j->b, j->d, 0.0, j->g + r0 * j->m, j->m);
}

static void gram_rows(double *g, const double *a, int rows, const double *b, int m, int d)
{
    GramJob j = {g, a, b, m, d};
    parallel_for((size_t)rows, 16, gram_part, &j);
}

static double *squared_norms(const double *x, int n, int d)
{
    double *s = checked_malloc((size_t)n, sizeof *s, "feature norms");
    for (int i = 0; s && i < n; i++) {
        double acc = 0;
        for (int j = 0; j < d; j++)
            acc += x[(size_t)i * d + j] * x[(size_t)i * d + j];
        s[i] = acc;
    }
    return s;
}

/* ---- KID ------------------------------------------------------------------ */

/* Σ_{i, j} k(x_i, y_j), without the diagonal i = j when same (x == y). */
static int kernel_sum(double *sum, const double *x, int n, const double *y, int m, int d,
                      int same)
{
    int R = n < BLOCK_ROWS ? n : BLOCK_ROWS;
    double *g = checked_malloc((size_t)R * m, sizeof *g, "kernel block");
    if (!g)
        return -1;
    double total = 0;
    for (int r0 = 0; r0 < n; r0 += R) {
        int rows = n - r0 < R ? n - r0 : R;
        gram_rows(g, x + (size_t)r0 * d, rows, y, m, d);
        for (int i = 0; i < rows; i++) {
            const double *gi = g + (size_t)i * m;
            double acc = 0;
            for (int j = 0; j < m; j++) {
                double k = gi[j] / d + 1;
                acc += k * k * k;
            }
            if (same) {
                double k = gi[r0 + i] / d + 1;
                acc -= k * k * k;
            }
            total += acc;
        }
    }
    free(g);
    *sum = total;
    return 0;
}

double mmd2_unbiased(const double *x, int n, const double *y, int m, int d)
{
    double kxx, kyy, kxy;
    if (kernel_sum(&kxx, x, n, x, n, d, 1) != 0 || kernel_sum(&kyy, y, m, y, m, d, 1) != 0 ||
        kernel_sum(&kxy, x, n, y, m, d, 0) != 0)
        return NAN;
    return kxx / ((double)n * (n - 1)) + kyy / ((double)m * (m - 1)) - 2 * kxy / ((double)n * m);
}

/* out[k, d]: k distinct rows of x[n, d] chosen uniformly (partial
 * Fisher-Yates over idx[n], which keeps its state between calls). */
static void pick_rows(double *out, const double *x, int32_t *idx, int n, int k, int d, Rng *r)
{
    for (int i = 0; i < k; i++) {
        int j = i + (int)rng_below(r, (uint32_t)(n - i));
        int32_t t = idx[i];
        idx[i] = idx[j], idx[j] = t;
        memcpy(out + (size_t)i * d, x + (size_t)idx[i] * d, (size_t)d * sizeof *out);
    }
}

int kernel_inception_distance(double *mean, double *sd, const double *x, int n, const double *y,
                              int m, int d, int subsets, int subset_size, uint64_t seed)
{
    if (n < 2 || m < 2 || subsets < 1) {
        ffvae_error("KID: needs at least 2 images in each set, got %d and %d", n, m);
        return -1;
    }
    int k = subset_size;
    if (k > n)
        k = n;
    if (k > m)
        k = m;
    double *xs = checked_malloc(2 * (size_t)k * d, sizeof *xs, "KID subsets");
    double *mmd = checked_malloc((size_t)subsets, sizeof *mmd, "KID values");
    int32_t *ix = checked_malloc((size_t)n + m, sizeof *ix, "KID indices");
    int rc = -1;
    if (!xs || !mmd || !ix)
        goto done;
    int32_t *iy = ix + n;
    for (int i = 0; i < n; i++)
        ix[i] = i;
    for (int i = 0; i < m; i++)
        iy[i] = i;
    Rng r;
    rng_seed(&r, seed, 5);
    double *ys = xs + (size_t)k * d;
    double s = 0;
    for (int t = 0; t < subsets; t++) {
        pick_rows(xs, x, ix, n, k, d, &r);
        pick_rows(ys, y, iy, m, k, d, &r);
        mmd[t] = mmd2_unbiased(xs, k, ys, k, d);
        if (isnan(mmd[t]))
            goto done;
        s += mmd[t];
    }
    *mean = s / subsets;
    double ss = 0;
    for (int t = 0; t < subsets; t++)
        ss += (mmd[t] - *mean) * (mmd[t] - *mean);
    *sd = sqrt(ss / subsets);
    rc = 0;
done:
    free(xs);
    free(mmd);
    free(ix);
    return rc;
}

/* ---- precision and recall ---------------------------------------------------- */

/* rad2[n]: squared distance of each row of x to its k-th nearest other row. */
static int knn_radii(double *rad2, const double *x, const double *x2, int n, int d, int k)
{
    int R = n < BLOCK_ROWS ? n : BLOCK_ROWS;
    double *g = checked_malloc((size_t)R * n, sizeof *g, "distance block");
    if (!g)
        return -1;
    for (int r0 = 0; r0 < n; r0 += R) {
        int rows = n - r0 < R ? n - r0 : R;
        gram_rows(g, x + (size_t)r0 * d, rows, x, n, d);
        for (int i = 0; i < rows; i++) {
            double best[PR_K + 16]; /* the k smallest so far, ascending */
            int have = 0;
            const double *gi = g + (size_t)i * n;
            for (int j = 0; j < n; j++) {
                if (j == r0 + i)
                    continue;
                double d2 = fmax(x2[r0 + i] + x2[j] - 2 * gi[j], 0.0);
                if (have == k && d2 >= best[k - 1])
                    continue;
                int p = have < k ? have++ : k - 1;
                while (p > 0 && best[p - 1] > d2) {
                    best[p] = best[p - 1];
                    p--;
                }
                best[p] = d2;
            }
            rad2[r0 + i] = best[k - 1];
        }
    }
    free(g);
    return 0;
}

/* The share of rows q[nq] within radius of some row of p[np]: |q − p_j|² ≤ rad2[j]. */
static int share_covered(double *share, const double *q, const double *q2, int nq,
                         const double *p, const double *p2, const double *rad2, int np, int d)
{
    int R = nq < BLOCK_ROWS ? nq : BLOCK_ROWS;
    double *g = checked_malloc((size_t)R * np, sizeof *g, "distance block");
    if (!g)
        return -1;
    long inside = 0;
    for (int r0 = 0; r0 < nq; r0 += R) {
        int rows = nq - r0 < R ? nq - r0 : R;
        gram_rows(g, q + (size_t)r0 * d, rows, p, np, d);
        for (int i = 0; i < rows; i++) {
            const double *gi = g + (size_t)i * np;
            for (int j = 0; j < np; j++)
                if (fmax(q2[r0 + i] + p2[j] - 2 * gi[j], 0.0) <= rad2[j]) {
                    inside++;
                    break;
                }
        }
    }
    free(g);
    *share = (double)inside / nq;
    return 0;
}

int precision_recall(double *precision, double *recall, const double *r, int n, const double *g,
                     int m, int d, int k)
{
    if (k < 1 || k > PR_K + 16 || n <= k || m <= k) {
        ffvae_error("precision/recall: each set needs more than k = %d images, got %d and %d", k,
                    n, m);
        return -1;
    }
    double *r2 = squared_norms(r, n, d), *g2 = squared_norms(g, m, d);
    double *rad = checked_malloc((size_t)n + m, sizeof *rad, "neighbour radii");
    int rc = -1;
    if (r2 && g2 && rad && knn_radii(rad, r, r2, n, d, k) == 0 &&
        knn_radii(rad + n, g, g2, m, d, k) == 0 &&
        share_covered(precision, g, g2, m, r, r2, rad, n, d) == 0 &&
        share_covered(recall, r, r2, n, g, g2, rad + n, m, d) == 0)
        rc = 0;
    free(r2);
    free(g2);
    free(rad);
    return rc;
}

int sample_quality(SampleQuality *q, const double *r, int n, const double *g, int m, int d,
                   uint64_t seed, const char *what)
{
    FeatureStats a, b;
    if (feature_stats(&a, r, n, d, what) != 0)
        return -1;
    if (feature_stats(&b, g, m, d, what) != 0) {
        feature_stats_free(&a);
        return -1;
    }
    int rc = frechet_distance(&q->fid, &a, &b);
    feature_stats_free(&a);
    feature_stats_free(&b);
    if (rc == 0)
        rc = kernel_inception_distance(&q->kid, &q->kid_sd, r, n, g, m, d, KID_SUBSETS,
                                       KID_SUBSET_SIZE, seed);
    if (rc == 0)
        rc = precision_recall(&q->precision, &q->recall, r, n, g, m, d, PR_K);
    return rc;
}
