/* frechet.h - distances between two sets of feature vectors (rows of
 * double x[n, d]): FID, KID and precision/recall. The features come from
 * classifier.h; nothing here knows about images.
 *
 * Definitions (copied into the README):
 *
 * FID (Heusel et al. 2017). Fit a Gaussian to each set: the mean μ and the
 *   covariance Σ = Xcᵀ Xc / (n − 1) (Xc the rows minus μ, as numpy.cov). Then
 *       FID = |μ1 − μ2|² + tr Σ1 + tr Σ2 − 2 tr (Σ1^½ Σ2 Σ1^½)^½.
 *   tr (Σ1^½ Σ2 Σ1^½)^½ equals tr (Σ1 Σ2)^½ (the two matrices are similar),
 *   and Σ1^½ Σ2 Σ1^½ is symmetric positive semi-definite, so both square roots
 *   come from LAPACKE_dsyevd's symmetric eigen-decomposition: Σ1^½ = V √Λ Vᵀ,
 *   then the eigenvalues λ of Σ1^½ Σ2 Σ1^½ give the trace Σ √λ. Eigenvalues
 *   that rounding makes slightly negative are taken as 0. This is stabler than
 *   the general route of scipy.linalg.sqrtm(Σ1 Σ2), which can return complex
 *   noise on a nearly singular product. Needs n > d images in each set (with
 *   n ≤ d the covariance is singular by construction): fewer is refused.
 *
 * KID (Bińkowski et al. 2018). The kernel k(x, y) = (xᵀy / d + 1)³. For
 *   X[m] and Y[m'] the unbiased estimate of MMD² is
 *       Σ_{i≠j} k(x_i, x_j) / (m (m − 1)) + Σ_{i≠j} k(y_i, y_j) / (m' (m' − 1))
 *       − 2 Σ_{i,j} k(x_i, y_j) / (m m'),
 *   which can be (slightly) negative. KID is its mean over S subsets of
 *   KID_SUBSET_SIZE rows of each set (min with the set sizes), drawn without
 *   replacement (independently per set and subset), with the standard
 *   deviation over the subsets (population sd, as torch-fidelity reports it).
 *
 * Precision and recall (Kynkäänniemi et al. 2019), k = 3. The radius of a
 *   real feature is its distance to its k-th nearest neighbour among the
 *   other real features; the manifold of the real set is the union of the
 *   balls of those radii. precision = the share of generated features inside
 *   the real manifold (|g − r| ≤ radius(r) for some r), recall = the share of
 *   real features inside the generated manifold (radii among the generated).
 *   Euclidean distances; each set needs more than k rows. */
#ifndef FFVAE_FRECHET_H
#define FFVAE_FRECHET_H

#include <stdint.h>

#define KID_SUBSETS 100
#define KID_SUBSET_SIZE 1000
#define PR_K 3

/* The Gaussian fitted to a set of features. */
typedef struct {
    int n, d;
    double *mean; /* [d] */
    double *cov;  /* [d, d] (one allocation with mean) */
} FeatureStats;

/* Fits x[n, d]; refuses n <= d as "WHAT: N images are too few for FID in D
 * feature dimensions: it needs more than D (the covariance of N ≤ D points
 * is singular)". 0, or -1 after reporting. */
int feature_stats(FeatureStats *s, const double *x, int n, int d, const char *what);
void feature_stats_free(FeatureStats *s);

/* *fid from two fits of the same d. 0, or -1 after reporting (the
 * eigen-decomposition failed to converge). */
int frechet_distance(double *fid, const FeatureStats *a, const FeatureStats *b);

/* The unbiased MMD² of x[n, d] and y[m, d] under the cubic kernel above;
 * n, m >= 2. NAN (reported) on allocation failure. */
double mmd2_unbiased(const double *x, int n, const double *y, int m, int d);

/* KID: the mean and sd of mmd2_unbiased over `subsets` subsets of
 * min(subset_size, n, m) rows of each, drawn from the stream (seed, 5).
 * 0, or -1 after reporting (a set of fewer than 2 rows). */
int kernel_inception_distance(double *mean, double *sd, const double *x, int n, const double *y,
                              int m, int d, int subsets, int subset_size, uint64_t seed);

/* Precision and recall of generated g[m, d] against real r[n, d] with the
 * k-th-neighbour radii above. 0, or -1 after reporting (a set of k rows or
 * fewer). */
int precision_recall(double *precision, double *recall, const double *r, int n, const double *g,
                     int m, int d, int k);

/* The four numbers together, as score and eval report them. */
typedef struct {
    double fid, kid, kid_sd, precision, recall;
} SampleQuality;

/* FID, KID (KID_SUBSETS subsets of KID_SUBSET_SIZE, stream (seed, 5)) and
 * precision/recall (k = PR_K) of generated g[m, d] against real r[n, d];
 * what names the sets in messages. 0, or -1 after reporting. */
int sample_quality(SampleQuality *q, const double *r, int n, const double *g, int m, int d,
                   uint64_t seed, const char *what);

#endif
