/* test_frechet.c - FID, KID, precision/recall, the Laplacian variance and LFD
 * against an independent numpy/scipy computation (tests/frechet_reference.py
 * wrote tests/reference/frechet_reference.h5; its header says how), and the
 * properties each must have whatever the data: a set against itself, disjoint
 * sets, too few images. */
#include "frechet.h"
#include "h5util.h"
#include "measures.h"
#include "rng.h"

#include "check_run.h"
#include "testutil.h"
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A float64 dataset of the reference file into a new buffer; *count its size. */
static double *read_f64(H5File *f, const char *obj, size_t *count)
{
    hid_t d = H5Dopen2(f->id, obj, H5P_DEFAULT);
    ck_assert_msg(d >= 0, "reference lacks %s", obj);
    hid_t sp = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    double *x = alloc_or_fail((size_t)n, sizeof *x);
    ck_assert_int_ge(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x), 0);
    H5Sclose(sp);
    H5Dclose(d);
    *count = (size_t)n;
    return x;
}

typedef struct {
    H5File f;
    double *x, *y;
    int n, m, d;
} Reference;

static void reference_open(Reference *r)
{
    char path[4096];
    srcdir_path(path, sizeof path, "tests/reference/frechet_reference.h5");
    ck_assert_int_eq(h5f_open(&r->f, path), 0);
    size_t nx, ny;
    r->x = read_f64(&r->f, "/x", &nx);
    r->y = read_f64(&r->f, "/y", &ny);
    r->d = 12;
    r->n = (int)(nx / r->d), r->m = (int)(ny / r->d);
    ck_assert_int_eq(r->n, 300);
    ck_assert_int_eq(r->m, 240);
}

static void reference_close(Reference *r)
{
    free(r->x);
    free(r->y);
    h5f_close(&r->f);
}

static double scalar(Reference *r, const char *obj, int i)
{
    size_t n;
    double *v = read_f64(&r->f, obj, &n), out;
    ck_assert_int_gt((int)n, i);
    out = v[i];
    free(v);
    return out;
}

START_TEST(fid_matches_scipy)
{
    Reference r;
    reference_open(&r);
    FeatureStats a, b;
    ck_assert_int_eq(feature_stats(&a, r.x, r.n, r.d, "x"), 0);
    ck_assert_int_eq(feature_stats(&b, r.y, r.m, r.d, "y"), 0);
    double fid, want = scalar(&r, "/fid", 0);
    ck_assert_int_eq(frechet_distance(&fid, &a, &b), 0);
    ck_assert_msg(fabs(fid - want) <= 1e-3 * fabs(want), "FID %.9g, scipy %.9g", fid, want);
    /* symmetric in its arguments */
    double back;
    ck_assert_int_eq(frechet_distance(&back, &b, &a), 0);
    ck_assert_double_eq_tol(back, fid, 1e-9 * fid);
    feature_stats_free(&a);
    feature_stats_free(&b);
    reference_close(&r);
}
END_TEST

START_TEST(fid_of_a_set_against_itself_is_zero)
{
    Reference r;
    reference_open(&r);
    FeatureStats a;
    ck_assert_int_eq(feature_stats(&a, r.y, r.m, r.d, "y"), 0);
    double fid = 1;
    ck_assert_int_eq(frechet_distance(&fid, &a, &a), 0);
    /* tr Σ is about 20 here: zero to float tolerance of that */
    ck_assert_msg(fabs(fid) < 1e-9, "FID of a set against itself = %g", fid);
    feature_stats_free(&a);
    reference_close(&r);
}
END_TEST

START_TEST(kid_matches_numpy)
{
    Reference r;
    reference_open(&r);
    double want = scalar(&r, "/mmd2", 0);
    double got = mmd2_unbiased(r.x, r.n, r.y, r.m, r.d);
    ck_assert_msg(fabs(got - want) <= 1e-3 * fabs(want), "MMD² %.9g, numpy %.9g", got, want);
    /* One subset of all the rows (the smaller set's size) is deterministic
     * in the smaller set; with equal sizes it is mmd2_unbiased itself. */
    double mean, sd;
    ck_assert_int_eq(kernel_inception_distance(&mean, &sd, r.x, r.m, r.y, r.m, r.d, 1, r.m, 3),
                     0);
    ck_assert_double_eq_tol(mean, mmd2_unbiased(r.x, r.m, r.y, r.m, r.d), 1e-9 * fabs(mean));
    ck_assert_double_eq(sd, 0.0);
    /* subsets: the mean is near the full-set value, the sd positive */
    ck_assert_int_eq(kernel_inception_distance(&mean, &sd, r.x, r.n, r.y, r.m, r.d, 50, 100, 3),
                     0);
    ck_assert_msg(sd > 0 && fabs(mean - want) < 4 * sd, "KID %g ± %g, full sets %g", mean, sd,
                  want);
    reference_close(&r);
}
END_TEST

START_TEST(precision_recall_match_numpy)
{
    Reference r;
    reference_open(&r);
    double p, rec;
    ck_assert_int_eq(precision_recall(&p, &rec, r.x, r.n, r.y, r.m, r.d, 3), 0);
    ck_assert_double_eq_tol(p, scalar(&r, "/precision_recall", 0), 1e-12);
    ck_assert_double_eq_tol(rec, scalar(&r, "/precision_recall", 1), 1e-12);
    /* a set against itself: every point is inside its own ball */
    ck_assert_int_eq(precision_recall(&p, &rec, r.x, r.n, r.x, r.n, r.d, 3), 0);
    ck_assert_double_eq(p, 1.0);
    ck_assert_double_eq(rec, 1.0);
    reference_close(&r);
}
END_TEST

START_TEST(disjoint_clouds_score_zero)
{
    enum { N = 400, D = 8 };
    double *a = alloc_or_fail(N * D, sizeof *a), *b = alloc_or_fail(N * D, sizeof *b);
    Rng rng;
    rng_seed(&rng, 4, 0);
    for (int i = 0; i < N * D; i++) {
        a[i] = rng_normal(&rng);
        b[i] = rng_normal(&rng) + (i % D == 0 ? 50.0 : 0.0); /* 50 sd apart */
    }
    double p, r;
    ck_assert_int_eq(precision_recall(&p, &r, a, N, b, N, D, 3), 0);
    ck_assert_double_eq(p, 0.0);
    ck_assert_double_eq(r, 0.0);
    /* and FID is about the squared distance of the means */
    FeatureStats sa, sb;
    ck_assert_int_eq(feature_stats(&sa, a, N, D, "a"), 0);
    ck_assert_int_eq(feature_stats(&sb, b, N, D, "b"), 0);
    double fid;
    ck_assert_int_eq(frechet_distance(&fid, &sa, &sb), 0);
    ck_assert_msg(fabs(fid - 2500) < 50, "FID of clouds 50 apart = %g", fid);
    /* two draws of one cloud: high precision and recall, small FID */
    for (int i = 0; i < N * D; i++)
        b[i] = rng_normal(&rng);
    ck_assert_int_eq(precision_recall(&p, &r, a, N, b, N, D, 3), 0);
    ck_assert_msg(p > 0.8 && r > 0.8, "same cloud: precision %g recall %g", p, r);
    feature_stats_free(&sa);
    feature_stats_free(&sb);
    free(a);
    free(b);
}
END_TEST

START_TEST(too_few_images_are_refused)
{
    enum { N = 10, D = 12 };
    double x[N * D];
    for (int i = 0; i < N * D; i++)
        x[i] = i % 7;
    FeatureStats s;
    char err[1024];
    stderr_capture_begin();
    int rc = feature_stats(&s, x, N, D, "samples.h5");
    stderr_capture_end(err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err, "samples.h5: 10 images are too few for FID in 12 feature "
                              "dimensions: it needs more than 12"),
                  "message: %s", err);
    ck_assert_ptr_null(s.mean);
    stderr_capture_begin();
    double p, r;
    rc = precision_recall(&p, &r, x, 3, x, N, D, 3);
    stderr_capture_end(err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err, "more than k = 3 images, got 3 and 10"), "message: %s", err);
}
END_TEST

START_TEST(laplacian_and_lfd_match_numpy)
{
    Reference r;
    reference_open(&r);
    enum { N = 4, H = 9, W = 7, C = 2 };
    size_t dims[4] = {N, H, W, C};
    float *a = alloc_or_fail(N * H * W * C, sizeof *a), *b = alloc_or_fail(N * H * W * C, sizeof *b);
    ck_assert_int_eq(h5_read(&r.f, "/images_a", H5_F32, 4, dims, a), 0);
    ck_assert_int_eq(h5_read(&r.f, "/images_b", H5_F32, 4, dims, b), 0);
    for (int i = 0; i < N; i++) {
        const float *ai = a + i * H * W * C, *bi = b + i * H * W * C;
        double lv = laplacian_variance(ai, H, W, C), want = scalar(&r, "/laplacian_var", i);
        ck_assert_msg(fabs(lv - want) <= 1e-9 * want, "image %d: Laplacian variance %.12g, "
                      "numpy %.12g", i, lv, want);
        double lfd = image_lfd(bi, ai, H, W, C), wl = scalar(&r, "/lfd", i);
        ck_assert_msg(fabs(lfd - wl) <= 1e-9 * wl, "image %d: LFD %.12g, numpy %.12g", i, lfd,
                      wl);
    }
    ck_assert(isnan(laplacian_variance(a, 2, 5, 1)));
    /* a constant image has no Laplacian variance; LFD of equal images is 0 */
    float flat[25];
    for (int i = 0; i < 25; i++)
        flat[i] = 0.3f;
    ck_assert_double_eq_tol(laplacian_variance(flat, 5, 5, 1), 0.0, 1e-15);
    ck_assert_double_eq(image_lfd(flat, flat, 5, 5, 1), 0.0);
    free(a);
    free(b);
    reference_close(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("frechet");
    TCase *tc = tcase_create("measures");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fid_matches_scipy);
    tcase_add_test(tc, fid_of_a_set_against_itself_is_zero);
    tcase_add_test(tc, kid_matches_numpy);
    tcase_add_test(tc, precision_recall_match_numpy);
    tcase_add_test(tc, disjoint_clouds_score_zero);
    tcase_add_test(tc, too_few_images_are_refused);
    tcase_add_test(tc, laplacian_and_lfd_match_numpy);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
