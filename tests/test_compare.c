/* test_compare.c - the report's summaries and verdict on fixed metric tables,
 * the report's files written from fixed numbers, and the figures it draws. */
#include "compare.h"
#include "figures.h"
#include "model_config.h"

#include "check_run.h"
#include <check.h>
#include <math.h>
#include <stb_image.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ModelSummary model(const char *name, int seeds, double hf, double hf_sd, double psnr)
{
    ModelSummary s;
    memset(&s, 0, sizeof s);
    strcpy(s.name, name);
    s.seeds = seeds;
    s.stat[METRIC_HF_RECON] = (Stat){hf, hf_sd};
    s.stat[METRIC_PSNR] = (Stat){psnr, 0.1};
    s.stat[METRIC_NELBO] = (Stat){300 - psnr, 1};
    return s;
}

/* compare_verdict on s[0..n) gives a verdict (into buf), clear or not as want_clear says. */
static void expect_verdict(char *buf, size_t size, const ModelSummary *s, int n, int want_clear)
{
    int clear;
    ck_assert_int_eq(compare_verdict(buf, size, s, n, &clear), 1);
    ck_assert_int_eq(clear, want_clear);
}

/* The same with an HF error ratio and sample-quality numbers. */
static ModelSummary model2(const char *name, double hf, double hf_err, double fid, double kid)
{
    ModelSummary s = model(name, 3, hf, 0.01, 20);
    s.stat[METRIC_HF_ERROR] = (Stat){hf_err, 0.01};
    s.stat[METRIC_FID] = (Stat){fid, 0.5};
    s.stat[METRIC_KID] = (Stat){kid, 0.001};
    return s;
}

START_TEST(more_power_with_more_error_is_not_sharper)
{
    char buf[2048];
    /* noisy keeps more HF power (0.9 vs 0.5, far beyond the spread) but its
     * HF error ratio is 0.6 against 0.3: wrong detail, not sharpness */
    ModelSummary s[2] = {model2("smooth", 0.5, 0.3, 10, 0.01), model2("noisy", 0.9, 0.6, 12, 0.02)};
    int clear;
    ck_assert_int_eq(compare_verdict(buf, sizeof buf, s, 2, &clear), 1);
    ck_assert_int_eq(clear, 0);
    ck_assert_msg(strstr(buf, "Not sharper") && strstr(buf, "wrong detail"), "%s", buf);
    /* the same power with error no worse (0.29 vs 0.3) is clearly sharper */
    s[1].stat[METRIC_HF_ERROR].mean = 0.29;
    ck_assert_int_eq(compare_verdict(buf, sizeof buf, s, 2, &clear), 1);
    ck_assert_int_eq(clear, 1);
    ck_assert_msg(strstr(buf, "Clearly sharper") && strstr(buf, "no worse"), "%s", buf);
    /* error worse, but within the spread (0.31 vs 0.3, sds 0.01 each): still clear */
    s[1].stat[METRIC_HF_ERROR].mean = 0.31;
    ck_assert_int_eq(compare_verdict(buf, sizeof buf, s, 2, &clear), 1);
    ck_assert_int_eq(clear, 1);
}
END_TEST

START_TEST(samples_are_judged_by_fid_with_kid_as_a_check)
{
    char buf[2048];
    ModelSummary s[3] = {model2("a", 0.5, 0.3, 20, 0.05), model2("b", 0.6, 0.3, 11, 0.02),
                         model2("c", 0.4, 0.3, 10, 0.03)};
    int clear;
    compare_verdict(buf, sizeof buf, s, 3, &clear);
    /* c has the lowest FID, b is the runner-up; the difference (1.0) is not
     * larger than the spread (sds 0.5 + 0.5), so it is within it */
    ck_assert_msg(strstr(buf, "Best samples by FID: **c**") && strstr(buf, "against b"), "%s", buf);
    ck_assert_msg(strstr(buf, "within the spread"), "%s", buf);
    ck_assert_msg(strstr(buf, "KID ranks them the other way"), "%s", buf); /* 0.03 > 0.02 */
    s[2].stat[METRIC_FID].mean = 5;
    s[2].stat[METRIC_KID].mean = 0.01;
    compare_verdict(buf, sizeof buf, s, 3, &clear);
    ck_assert_msg(strstr(buf, "larger than the spread (1.00), and KID agrees."), "%s", buf);
    /* without FID (no classifier) it says so */
    for (int i = 0; i < 3; i++)
        s[i].stat[METRIC_FID].mean = NAN;
    compare_verdict(buf, sizeof buf, s, 3, &clear);
    ck_assert_msg(strstr(buf, "Sample quality was not measured"), "%s", buf);
}
END_TEST

START_TEST(stat_is_mean_and_sample_sd)
{
    double x[4] = {1, 2, 3, 4};
    Stat s = stat_of(x, 4);
    ck_assert_double_eq_tol(s.mean, 2.5, 1e-12);
    ck_assert_double_eq_tol(s.sd, sqrt(5.0 / 3.0), 1e-12);
    s = stat_of(x, 1);
    ck_assert_double_eq(s.mean, 1);
    ck_assert_double_eq(s.sd, 0);
}
END_TEST

START_TEST(columns_pick_their_own_best)
{
    ModelSummary s[3] = {model("coords", 3, 0.30, 0.01, 18), model("fourier", 3, 0.80, 0.02, 21),
                         model("noisy", 3, 1.60, 0.02, 19)};
    ck_assert_int_eq(best_in_column(s, 3, METRIC_PSNR), 1);
    ck_assert_int_eq(best_in_column(s, 3, METRIC_NELBO), 1); /* lowest wins */
    /* closest to 1 in ratio: |ln 0.8| = 0.22 beats |ln 1.6| = 0.47 */
    ck_assert_int_eq(best_in_column(s, 3, METRIC_HF_RECON), 1);
    ck_assert_double_eq_tol(sharpness_gap(1.0), 0.0, 1e-15);
    ck_assert_double_eq_tol(sharpness_gap(0.5), sharpness_gap(2.0), 1e-12);
}
END_TEST

START_TEST(clear_winner_beyond_the_spread)
{
    ModelSummary s[3] = {model("coords", 3, 0.30, 0.01, 18), model("fourier", 3, 0.80, 0.02, 21),
                         model("dense", 3, 0.10, 0.01, 17)};
    char buf[1024];
    expect_verdict(buf, sizeof buf, s, 3, 1);
    ck_assert_ptr_nonnull(strstr(buf, "**fourier**"));
    ck_assert_ptr_nonnull(strstr(buf, "coords")); /* the runner-up is named */
    ck_assert_ptr_nonnull(strstr(buf, "larger than the spread over 3 seeds"));
}
END_TEST

START_TEST(no_winner_within_the_spread)
{
    ModelSummary s[2] = {model("a", 3, 0.50, 0.10, 18), model("b", 3, 0.55, 0.10, 18)};
    char buf[1024];
    expect_verdict(buf, sizeof buf, s, 2, 0);
    ck_assert_ptr_nonnull(strstr(buf, "within the spread"));
}
END_TEST

START_TEST(one_seed_draws_no_conclusion)
{
    ModelSummary s[2] = {model("a", 1, 0.2, 0, 18), model("b", 1, 0.9, 0, 18)};
    char buf[1024];
    expect_verdict(buf, sizeof buf, s, 2, 0);
    ck_assert_ptr_nonnull(strstr(buf, "--seeds 3"));
    int clear;
    ck_assert_int_eq(compare_verdict(buf, sizeof buf, s, 1, &clear), 0);
    ck_assert_ptr_nonnull(strstr(buf, "nothing to compare"));
}
END_TEST

START_TEST(summaries_are_over_each_models_seeds)
{
    RunResult runs[3];
    memset(runs, 0, sizeof runs);
    for (int k = 0; k < 3; k++) {
        runs[k].metric[METRIC_PSNR] = 10 + 2 * k;
        runs[k].metric[METRIC_HF_RECON] = 0.5;
    }
    ModelSummary s = summarise_runs("fourier", runs, 3);
    ck_assert_str_eq(s.name, "fourier");
    ck_assert_int_eq(s.seeds, 3);
    ck_assert_double_eq_tol(s.stat[METRIC_PSNR].mean, 12, 1e-12);
    ck_assert_double_eq_tol(s.stat[METRIC_PSNR].sd, 2, 1e-12);
    ck_assert_double_eq_tol(s.stat[METRIC_HF_RECON].mean, 0.5, 1e-12);
    ck_assert_double_eq(s.stat[METRIC_HF_RECON].sd, 0);
}
END_TEST

START_TEST(verdict_is_cut_to_a_small_buffer)
{
    ModelSummary s[2] = {model("a", 3, 0.30, 0.01, 18), model("b", 3, 0.80, 0.02, 21)};
    char full[1024], small[16];
    int clear_full, clear_small;
    ck_assert_int_eq(compare_verdict(full, sizeof full, s, 2, &clear_full), 1);
    ck_assert_int_eq(compare_verdict(small, sizeof small, s, 2, &clear_small), 1);
    ck_assert_uint_eq(strlen(small), sizeof small - 1);
    ck_assert_int_eq(strncmp(full, small, sizeof small - 1), 0);
    ck_assert_int_eq(clear_small, clear_full); /* decided by the numbers, not the buffer */
}
END_TEST

/* The whole of a small text file (NUL-terminated; the caller frees). */
static char *read_text(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s was not written", path);
    char *text = calloc(1, 1 << 16);
    ck_assert_ptr_nonnull(text);
    size_t n = fread(text, 1, (1 << 16) - 1, f);
    ck_assert_uint_lt(n, (1 << 16) - 1);
    fclose(f);
    return text;
}

START_TEST(report_files_from_fixed_numbers)
{
    char dir[] = "/tmp/ffvae-report-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    Dataset ds;
    memset(&ds, 0, sizeof ds);
    strcpy(ds.name, "tiny");
    ds.train = (Split){.n = 100, .h = 4, .w = 4, .c = 1};
    ds.test = (Split){.n = 50, .h = 4, .w = 4, .c = 1};
    /* two models, two seeds each; metric j of run r is 10 r + j */
    RunResult runs[4];
    for (int r = 0; r < 4; r++) {
        runs[r].steps = 12;
        for (int j = 0; j < N_METRICS; j++)
            runs[r].metric[j] = 10 * r + j;
    }
    ModelSummary sum[2] = {summarise_runs("a", runs, 2), summarise_runs("b", runs + 2, 2)};
    double radial[3 * 3] = {1, 0.5, 0.25, 2, 1, 0.5, 4, 2, 1}; /* data, a, b */
    LogRow log_a[2] = {{.step = 5, .loss = 400}, {.step = 10, .loss = 300}};
    LogRow log_b[1] = {{.step = 5, .loss = 350}};
    TrainState curves[2];
    memset(curves, 0, sizeof curves);
    curves[0].log = log_a, curves[0].n_log = 2;
    curves[1].log = log_b, curves[1].n_log = 1;
    CompareReport r = {.out_dir = dir,
                       .data_path = "data/tiny.h5",
                       .ds = &ds,
                       .steps = 12,
                       .seeds = 2,
                       .n_models = 2,
                       .sum = sum,
                       .runs = runs,
                       .radial = radial,
                       .n_bins = 3,
                       .curves = curves,
                       .recon_images = 8};
    char verdict[1024], want_verdict[1024];
    int clear;
    ck_assert_int_eq(compare_report_write(&r, verdict, sizeof verdict), 0);
    compare_verdict(want_verdict, sizeof want_verdict, sum, 2, &clear);
    ck_assert_str_eq(verdict, want_verdict);

    char *metrics = read_text(dir, "metrics.csv");
    ck_assert_str_eq(metrics, "model,seed,steps,nelbo,psnr,ssim,hf_ratio_recon,hf_ratio_samples,"
                              "train_seconds,images_per_s,hf_error_ratio,laplacian_ratio,fid,kid,"
                              "precision,recall,hf_ratio_recon_sampled,psnr_sampled\n"
                              "a,1,12,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14\n"
                              "a,2,12,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24\n"
                              "b,1,12,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34\n"
                              "b,2,12,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44\n");
    char *spectra = read_text(dir, "spectra.csv");
    ck_assert_msg(strncmp(spectra, "frequency,data,a,b\n", 19) == 0, "%s", spectra);
    ck_assert_ptr_nonnull(strstr(spectra, ",1,2,4\n"));
    char *dat = read_text(dir, "curves.dat");
    ck_assert_str_eq(dat, "# a seed 1: step loss (negative ELBO per image, nats)\n"
                          "5 400\n10 300\n\n\n"
                          "# b seed 1: step loss (negative ELBO per image, nats)\n"
                          "5 350\n\n\n");
    char *md = read_text(dir, "report.md");
    char head[256];
    snprintf(head, sizeof head, "# ffvae compare: %s\n\nDataset `tiny` (data/tiny.h5, 100 train / "
             "50 test images of 4x4x1); budget steps 12 per run; 2 seeds; evaluated on 50 test "
             "images.\n\n## Verdict\n\n", dir);
    ck_assert_msg(strncmp(md, head, strlen(head)) == 0, "report.md begins\n%.300s", md);
    ck_assert_ptr_nonnull(strstr(md + strlen(head), verdict));
    ck_assert_ptr_nonnull(strstr(md, "\n| a | **5.0 ± 7.1** | 6.0 ± 7.1 | "));
    ck_assert_ptr_nonnull(strstr(md, "\n| b | 25.0 ± 7.1 | **26.0 ± 7.1** | "));
    ck_assert_ptr_nonnull(strstr(md, "the first 8 test images"));
    ck_assert_ptr_nonnull(
        strstr(md, "- b: [samples](samples-b.png), [interpolation](interp-b.png)"));
    free(metrics);
    free(spectra);
    free(dat);
    free(md);
    static const char *const files[] = {"metrics.csv", "spectra.csv", "spectra.gp", "spectra.png",
                                        "curves.dat", "curves.gp", "curves.png", "report.md"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        ck_assert_msg(access(path, R_OK) == 0, "%s was not written", path);
        unlink(path);
    }
    ck_assert_int_eq(rmdir(dir), 0); /* nothing else, no temporary file, was left */
}
END_TEST

START_TEST(report_names_an_unwritable_directory)
{
    Dataset ds;
    memset(&ds, 0, sizeof ds);
    ModelSummary sum[1] = {model("a", 1, 0.5, 0, 18)};
    RunResult runs[1];
    memset(runs, 0, sizeof runs);
    double radial[2] = {1, 1};
    TrainState curves[1];
    memset(curves, 0, sizeof curves);
    CompareReport r = {.out_dir = "/nonexistent/ffvae-report", .ds = &ds, .data_path = "x.h5",
                       .steps = 1, .seeds = 1, .n_models = 1, .sum = sum, .runs = runs,
                       .radial = radial, .n_bins = 1, .curves = curves};
    char verdict[1024], err[1024];
    /* stderr captured, to see that the failure is named */
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *tmp = tmpfile();
    ck_assert_ptr_nonnull(tmp);
    ck_assert_int_ge(dup2(fileno(tmp), STDERR_FILENO), 0);
    int rc = compare_report_write(&r, verdict, sizeof verdict);
    fflush(stderr);
    ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
    close(saved);
    rewind(tmp);
    err[fread(err, 1, sizeof err - 1, tmp)] = '\0';
    fclose(tmp);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err, "/nonexistent/ffvae-report/metrics.csv") != NULL &&
                      strstr(err, "does not exist") != NULL,
                  "unexpected message: %s", err);
}
END_TEST

/* ---- --sweep: run directories, the manifest, the per-value report -------- */

START_TEST(sweep_value_dirs_are_key_equals_value_in_a_safe_alphabet)
{
    Sweep sw;
    char dir[64];
    ck_assert_int_eq(sweep_parse(&sw, "latent.beta=0.5,1e-3,+2"), 0);
    ck_assert_int_eq(sweep_value_dir(dir, sizeof dir, &sw, 0), 0);
    ck_assert_str_eq(dir, "beta=0.5"); /* the key without its section */
    ck_assert_int_eq(sweep_value_dir(dir, sizeof dir, &sw, 1), 0);
    ck_assert_str_eq(dir, "beta=1e-3");
    ck_assert_int_eq(sweep_value_dir(dir, sizeof dir, &sw, 2), 0);
    ck_assert_str_eq(dir, "beta=+2");
    ck_assert_int_eq(sweep_parse(&sw, "sigma=../a b,x*y"), 0);
    ck_assert_int_eq(sweep_value_dir(dir, sizeof dir, &sw, 0), 0);
    ck_assert_str_eq(dir, "sigma=.._a_b"); /* no '/', so never outside runs/MODEL */
    ck_assert_int_eq(sweep_value_dir(dir, sizeof dir, &sw, 1), 0);
    ck_assert_str_eq(dir, "sigma=x_y");
    ck_assert_int_eq(sweep_value_dir(dir, 8, &sw, 0), -1); /* too long for the buffer */
}
END_TEST

static const char tiny_vae[] = "[model]\nname = m\n[data]\nheight = 8\nwidth = 8\nchannels = 1\n"
                               "[latent]\nsize = 4\n[encoder]\nhidden = 16\n[decoder]\n"
                               "kind = coord\n[encoding]\nkind = %s\n[network]\nwidth = 16\n"
                               "depth = 2\n";

static void tiny_config(ModelConfig *c, const char *encoding)
{
    char text[512];
    snprintf(text, sizeof text, tiny_vae, encoding);
    ck_assert_int_eq(config_parse(c, text, "test"), 0);
}

START_TEST(sweep_keys_a_vae_lacks_are_refused)
{
    ModelConfig gauss, none;
    tiny_config(&gauss, "gaussian");
    tiny_config(&none, "none");
    Sweep sw;
    const char *why;
    ck_assert_int_eq(sweep_parse(&sw, "sigma=1,3"), 0);
    ck_assert_int_eq(sweep_applies_to_vae(&sw, &gauss, &why), 1);
    ck_assert_ptr_null(why);
    ck_assert_int_eq(sweep_applies_to_vae(&sw, &none, &why), 0);
    ck_assert_str_eq(why, "only the gaussian encoding has a sigma");
    ck_assert_int_eq(sweep_parse(&sw, "beta=0.5,2"), 0); /* fit refuses it; a VAE has one */
    ck_assert_int_eq(sweep_applies_to_vae(&sw, &none, &why), 1);
    ck_assert_int_eq(sweep_applies_to_fit(&sw, &none, &why), 0);
    ck_assert_int_eq(sweep_parse(&sw, "height=28"), 0);
    ck_assert_int_eq(sweep_applies_to_vae(&sw, &gauss, &why), 0);
    ck_assert_str_eq(why, "the dataset fixes the image geometry");
    ck_assert_int_eq(sweep_parse(&sw, "omega0=5"), 0);
    ck_assert_int_eq(sweep_applies_to_vae(&sw, &gauss, &why), 0);
    ModelConfig dense = none;
    dense.decoder = DECODER_DENSE;
    ck_assert_int_eq(sweep_parse(&sw, "encoding.kind=none"), 0);
    ck_assert_int_eq(sweep_applies_to_vae(&sw, &dense, &why), 0);
    ck_assert_str_eq(why, "only a coord decoder has a coordinate encoding");
    dense.decoder = DECODER_CONV;
    ck_assert_int_eq(sweep_applies_to_vae(&sw, &dense, &why), 0);
}
END_TEST

START_TEST(manifest_records_the_sweep_and_only_then)
{
    ModelConfig c[1];
    tiny_config(&c[0], "gaussian");
    char *plain = compare_manifest_text("tiny", 100, 12, 0, 2, NULL, c, 1);
    ck_assert_ptr_nonnull(plain);
    ck_assert_msg(strncmp(plain, "ffvae compare manifest 1\ndataset tiny (100 train images)\n"
                                 "budget steps 12\nseeds 2\n--- model m\n[model]\n", 72) == 0,
                  "%s", plain);
    ck_assert_ptr_null(strstr(plain, "sweep"));
    Sweep sw, bare, other;
    ck_assert_int_eq(sweep_parse(&sw, "latent.beta=0.5,2"), 0);
    ck_assert_int_eq(sweep_parse(&bare, "beta=0.5,2"), 0);
    ck_assert_int_eq(sweep_parse(&other, "beta=0.5,4"), 0);
    char *a = compare_manifest_text("tiny", 100, 12, 0, 2, &sw, c, 1);
    char *b = compare_manifest_text("tiny", 100, 12, 0, 2, &bare, c, 1);
    char *d = compare_manifest_text("tiny", 100, 12, 0, 2, &other, c, 1);
    ck_assert_msg(strncmp(a, "ffvae compare manifest 1\ndataset tiny (100 train images)\n"
                             "budget steps 12\nseeds 2\nsweep [latent] beta = 0.5,2\n--- model m\n",
                          100) == 0,
                  "%s", a);
    ck_assert_str_eq(a + strlen(a) - strlen(plain) + strlen("ffvae compare manifest 1\ndataset "
                                                             "tiny (100 train images)\nbudget "
                                                             "steps 12\nseeds 2\n"),
                     plain + strlen("ffvae compare manifest 1\ndataset tiny (100 train images)\n"
                                    "budget steps 12\nseeds 2\n"));
    ck_assert_str_eq(a, b);          /* `beta` and `latent.beta` are one sweep */
    ck_assert_str_ne(a, d);          /* other values are another comparison */
    free(plain);
    free(a);
    free(b);
    free(d);
}
END_TEST

START_TEST(sweep_report_has_a_table_per_value_and_the_rate_figure)
{
    char dir[] = "/tmp/ffvae-sweep-report-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    Dataset ds;
    memset(&ds, 0, sizeof ds);
    strcpy(ds.name, "tiny");
    ds.train = (Split){.n = 100, .h = 4, .w = 4, .c = 1};
    ds.test = (Split){.n = 50, .h = 4, .w = 4, .c = 1};
    Sweep sw;
    ck_assert_int_eq(sweep_parse(&sw, "beta=0.5,2"), 0);
    /* 2 values × 2 models × 1 seed, value-major: run q has metric j = 10 q + j, KL 5 - q */
    RunResult runs[4];
    ModelSummary sum[4];
    static const char *const names[2] = {"a", "b"};
    for (int q = 0; q < 4; q++) {
        runs[q].steps = 12;
        runs[q].kl = 5 - q;
        for (int j = 0; j < N_METRICS; j++)
            runs[q].metric[j] = 10 * q + j;
        sum[q] = summarise_runs(names[q % 2], &runs[q], 1);
    }
    double radial[5 * 3] = {1, 0.5, 0.25};
    TrainState curves[4];
    memset(curves, 0, sizeof curves);
    LogRow log[1] = {{.step = 5, .loss = 400}};
    for (int q = 0; q < 4; q++)
        curves[q].log = log, curves[q].n_log = 1;
    CompareReport r = {.out_dir = dir, .data_path = "data/tiny.h5", .ds = &ds, .steps = 12,
                       .seeds = 1, .n_models = 2, .sweep = &sw, .sum = sum, .runs = runs,
                       .radial = radial, .n_bins = 3, .curves = curves, .recon_images = 8};
    char verdict[4096], v0[1024], v1[1024];
    int clear;
    ck_assert_int_eq(compare_report_write(&r, verdict, sizeof verdict), 0);
    compare_verdict(v0, sizeof v0, sum, 2, &clear);
    compare_verdict(v1, sizeof v1, sum + 2, 2, &clear);
    char want[4096];
    snprintf(want, sizeof want, "beta=0.5: %s\nbeta=2: %s", v0, v1);
    ck_assert_str_eq(verdict, want);

    char *metrics = read_text(dir, "metrics.csv");
    ck_assert_str_eq(metrics,
                     "model,sweep,value,seed,steps,nelbo,psnr,ssim,hf_ratio_recon,"
                     "hf_ratio_samples,train_seconds,images_per_s,hf_error_ratio,laplacian_ratio,"
                     "fid,kid,precision,recall,hf_ratio_recon_sampled,psnr_sampled,kl\n"
                     "a,latent.beta,0.5,1,12,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,5\n"
                     "b,latent.beta,0.5,1,12,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,4\n"
                     "a,latent.beta,2,1,12,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,3\n"
                     "b,latent.beta,2,1,12,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,2\n");
    char *md = read_text(dir, "report.md");
    const char *t0 = strstr(md, "## Results");
    ck_assert_ptr_nonnull(t0);
    const char *h0 = strstr(t0, "\n### beta = 0.5\n\n| model |");
    const char *h1 = strstr(t0, "\n### beta = 2\n\n| model |");
    ck_assert_msg(h0 && h1 && h0 < h1, "no table per value:\n%s", md);
    ck_assert_ptr_nonnull(strstr(h0, "\n| a | **0.0 ± 0.0** |"));   /* beta = 0.5: a, b */
    ck_assert_ptr_nonnull(strstr(h1, "\n| a | **20.0 ± 0.0** |"));  /* beta = 2: a, b */
    ck_assert_ptr_nonnull(strstr(md, "### beta = 0.5\n\n"));
    ck_assert_ptr_nonnull(strstr(md, v0));
    ck_assert_ptr_nonnull(strstr(md, v1));
    ck_assert_ptr_nonnull(strstr(md, "[samples](samples-b-beta=2.png)"));
    ck_assert_ptr_nonnull(strstr(md, "![rate and distortion](rate.png)"));
    char *spectra = read_text(dir, "spectra.csv");
    ck_assert_msg(strncmp(spectra, "frequency,data,a beta=0.5,b beta=0.5,a beta=2,b beta=2\n",
                          55) == 0,
                  "%s", spectra);
    char *rate = read_text(dir, "rate.dat");
    /* model a: its two values in the sweep's order; columns value kl kl_sd hf sd err sd psnr sd
       fid sd */
    ck_assert_msg(strstr(rate, "# a\n0.5 5 0 3 0 7 0 1 0 9 0\n2 3 0 23 0 27 0 21 0 29 0\n\n\n"
                               "# b\n0.5 4 0 13 0") != NULL,
                  "%s", rate);
    free(metrics);
    free(md);
    free(spectra);
    free(rate);
    static const char *const files[] = {"metrics.csv", "spectra.csv", "spectra.gp", "spectra.png",
                                        "curves.dat",  "curves.gp",   "curves.png", "rate.dat",
                                        "rate.gp",     "rate.png",    "report.md"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        ck_assert_msg(access(path, R_OK) == 0, "%s was not written", path);
        unlink(path);
    }
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* ---- the figures compare draws, shared with sample, interp and recon ------ */

/* A coordinate model at 8×8 with random weights and a latent wider than 64
 * (compare once refused to draw an interpolation for one). */
static void wide_model(Model *m)
{
    ModelConfig c;
    const char *text = "[data]\nheight = 8\nwidth = 8\nchannels = 1\n[latent]\nsize = 80\n"
                       "[encoder]\nhidden = 16\n[decoder]\nkind = coord\n[encoding]\n"
                       "kind = none\n[network]\nwidth = 16\ndepth = 2\n";
    ck_assert_int_eq(config_parse(&c, text, "test"), 0);
    ck_assert_int_eq(model_create(m, &c), 0);
    Rng r;
    rng_seed(&r, 5, 0);
    model_init_params(m, &r);
}

/* The stored byte of a mean image's value, as image_grid.h says. */
static int grid_byte(float v)
{
    return !(v > 0.0f) ? 0 : v >= 1.0f ? 255 : (int)lrintf(v * 255.0f);
}

/* Cell `cell` of a grey grid (scale 1) holds the 8×8 image want, to within tol. */
static void expect_cell(const uint8_t *grid, int grid_w, int cell, int cols, const int *want,
                        int tol)
{
    int top = 1 + (cell / cols) * 9, left = 1 + (cell % cols) * 9;
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++) {
            int got = grid[(top + y) * grid_w + left + x];
            ck_assert_msg(abs(got - want[y * 8 + x]) <= tol, "cell %d (%d, %d): %d, not %d", cell,
                          y, x, got, want[y * 8 + x]);
        }
}

START_TEST(figures_put_originals_and_decodes_in_their_cells)
{
    char dir[] = "/tmp/ffvae-figures-XXXXXX", path[4200];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    Model m;
    wide_model(&m);
    uint8_t images[3 * 64];
    for (int i = 0; i < 3 * 64; i++)
        images[i] = (uint8_t)(i * 37 % 256);
    Split test = {.n = 3, .h = 8, .w = 8, .c = 1, .images = images};
    int original[3][64], recon[3][64];
    float decoded[3 * 64];
    ck_assert_int_eq(reconstruct_images(decoded, &m, images, 3), 0);
    for (int i = 0; i < 3 * 64; i++) {
        original[i / 64][i % 64] = images[i];
        recon[i / 64][i % 64] = grid_byte(decoded[i]);
    }

    /* interp: image 0, four frames from its latent to image 2's, image 2 */
    const int pair[2] = {0, 2};
    InterpFigure f = {.test = &test, .pairs = pair, .rows = 1, .frames = 4, .scale = 1};
    snprintf(path, sizeof path, "%s/interp.png", dir);
    ck_assert_int_eq(figure_interp(path, &m, &f), 0);
    int w, h, ch;
    uint8_t *grid = stbi_load(path, &w, &h, &ch, 0);
    ck_assert_ptr_nonnull(grid);
    ck_assert_int_eq(w, 6 * 9 + 1);
    ck_assert_int_eq(h, 10);
    ck_assert_int_eq(ch, 1);
    ck_assert_int_eq(grid[0], 128); /* the border */
    expect_cell(grid, w, 0, 6, original[0], 0);
    expect_cell(grid, w, 5, 6, original[2], 0);
    /* The path's ends are the posterior means: the reconstructions (within a
     * byte, as the frames are decoded in a batch of another size). */
    expect_cell(grid, w, 1, 6, recon[0], 1);
    expect_cell(grid, w, 4, 6, recon[2], 1);
    stbi_image_free(grid);
    unlink(path);

    /* recon: (original, reconstruction) pairs */
    snprintf(path, sizeof path, "%s/recon.png", dir);
    ck_assert_int_eq(figure_recon(path, &m, &test, 3, 1), 0);
    grid = stbi_load(path, &w, &h, &ch, 0);
    ck_assert_ptr_nonnull(grid);
    ck_assert_int_eq(w, 6 * 9 + 1);
    ck_assert_int_eq(h, 10);
    for (int i = 0; i < 3; i++) {
        expect_cell(grid, w, 2 * i, 6, original[i], 0);
        expect_cell(grid, w, 2 * i + 1, 6, recon[i], 0);
    }
    stbi_image_free(grid);
    unlink(path);

    /* samples: the same generator state gives the same file */
    char again[4200];
    snprintf(path, sizeof path, "%s/samples.png", dir);
    snprintf(again, sizeof again, "%s/again.png", dir);
    Rng r1, r2;
    rng_seed(&r1, 7, 3);
    rng_seed(&r2, 7, 3);
    ck_assert_int_eq(figure_samples(path, &m, 5, 16, 1.0f, &r1, 3, 2), 0);
    ck_assert_int_eq(figure_samples(again, &m, 5, 16, 1.0f, &r2, 3, 2), 0);
    grid = stbi_load(path, &w, &h, &ch, 0);
    ck_assert_ptr_nonnull(grid);
    ck_assert_int_eq(w, 3 * 33 + 1);
    ck_assert_int_eq(h, 2 * 33 + 1);
    uint8_t *grid2 = stbi_load(again, &w, &h, &ch, 0);
    ck_assert_ptr_nonnull(grid2);
    ck_assert_mem_eq(grid, grid2, (size_t)w * h);
    stbi_image_free(grid);
    stbi_image_free(grid2);
    unlink(path);
    unlink(again);
    model_free(&m);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compare");
    TCase *tc = tcase_create("verdict");
    tcase_add_test(tc, stat_is_mean_and_sample_sd);
    tcase_add_test(tc, columns_pick_their_own_best);
    tcase_add_test(tc, clear_winner_beyond_the_spread);
    tcase_add_test(tc, more_power_with_more_error_is_not_sharper);
    tcase_add_test(tc, samples_are_judged_by_fid_with_kid_as_a_check);
    tcase_add_test(tc, no_winner_within_the_spread);
    tcase_add_test(tc, one_seed_draws_no_conclusion);
    tcase_add_test(tc, summaries_are_over_each_models_seeds);
    tcase_add_test(tc, verdict_is_cut_to_a_small_buffer);
    tcase_add_test(tc, sweep_value_dirs_are_key_equals_value_in_a_safe_alphabet);
    tcase_add_test(tc, sweep_keys_a_vae_lacks_are_refused);
    tcase_add_test(tc, manifest_records_the_sweep_and_only_then);
    suite_add_tcase(s, tc);
    TCase *files = tcase_create("report files");
    tcase_add_test(files, report_files_from_fixed_numbers);
    tcase_add_test(files, report_names_an_unwritable_directory);
    tcase_add_test(files, sweep_report_has_a_table_per_value_and_the_rate_figure);
    suite_add_tcase(s, files);
    TCase *figures = tcase_create("figures");
    tcase_add_test(figures, figures_put_originals_and_decodes_in_their_cells);
    suite_add_tcase(s, figures);
    return run_suite(s);
}
