/* test_model_find.c - model NAMEs: which arguments are names, the order of the
 * places looked, the message that lists them, and config_load by name. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "model_config.h"
#include "model_find.h"

#include "check_run.h"
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The smallest valid model: only the required keys. */
static const char *MINIMAL = "[data]\nheight = 28\nwidth = 28\nchannels = 1\n"
                             "[latent]\nsize = 16\n"
                             "[decoder]\nkind = coord\n"
                             "[network]\nwidth = 128\ndepth = 3\n";

/* ---- helpers ---------------------------------------------------------------- */

/* stderr goes to a temporary file between capture_begin and capture_end. */
static int saved_stderr = -1;
static FILE *captured;

static void capture_begin(void)
{
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    captured = tmpfile();
    ck_assert_ptr_nonnull(captured);
    dup2(fileno(captured), STDERR_FILENO);
}

static void capture_end(char *buf, size_t size)
{
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    rewind(captured);
    size_t n = fread(buf, 1, size - 1, captured);
    buf[n] = '\0';
    fclose(captured);
}

/* Every test's directories live under one made by main and removed after the run. */
static char base_dir[1024];

/* A fresh empty directory; Check runs each test in its own process, so a test
 * may chdir into it. */
static void temp_dir(char *buf, size_t size)
{
    snprintf(buf, size, "%s/d.XXXXXX", base_dir);
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static void join(char *buf, size_t size, const char *dir, const char *name)
{
    ck_assert_int_lt(snprintf(buf, size, "%s/%s", dir, name), (int)size);
}

/* ---- tests ------------------------------------------------------------------ */

START_TEST(names_are_bare_words)
{
    ck_assert_int_eq(model_is_name("fmnist-fourier"), 1);
    ck_assert_int_eq(model_is_name("fit-none"), 1);
    ck_assert_int_eq(model_is_name("x.ini.bak"), 1);
    ck_assert_int_eq(model_is_name("x.INI"), 1); /* ".ini" is matched exactly */
    ck_assert_int_eq(model_is_name("x.ini"), 0);
    ck_assert_int_eq(model_is_name(".ini"), 0);
    ck_assert_int_eq(model_is_name("models/x.ini"), 0);
    ck_assert_int_eq(model_is_name("./x"), 0);
    ck_assert_int_eq(model_is_name("/abs/x"), 0);
    ck_assert_int_eq(model_is_name(""), 0);
}
END_TEST

START_TEST(paths_are_used_as_given)
{
    const char *dirs[] = {"/nonexistent"};
    const char *args[] = {"no/such/dir/x.ini", "x.ini", "./x", ""};
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        char path[MODEL_PATH_MAX] = "unset", err[256];
        capture_begin();
        int rc = model_find_in(args[i], dirs, 1, path, sizeof path);
        capture_end(err, sizeof err);
        ck_assert_int_eq(rc, 0);
        ck_assert_str_eq(path, args[i]);
        ck_assert_str_eq(err, ""); /* nothing looked up, nothing said */
    }
}
END_TEST

START_TEST(first_place_that_has_it_wins)
{
    char a[4096], b[4096], file[4200], path[MODEL_PATH_MAX];
    temp_dir(a, sizeof a);
    temp_dir(b, sizeof b);
    const char *dirs[] = {a, b};

    join(file, sizeof file, b, "m.ini");
    write_text(file, MINIMAL);
    ck_assert_int_eq(model_find_in("m", dirs, 2, path, sizeof path), 0);
    ck_assert_str_eq(path, file); /* only the second has it */

    join(file, sizeof file, a, "m.ini");
    write_text(file, MINIMAL);
    ck_assert_int_eq(model_find_in("m", dirs, 2, path, sizeof path), 0);
    ck_assert_str_eq(path, file); /* both have it: the first wins */

    /* A directory called d.ini is not a model file: the search goes on. */
    join(file, sizeof file, a, "d.ini");
    ck_assert_int_eq(mkdir(file, 0700), 0);
    join(file, sizeof file, b, "d.ini");
    write_text(file, MINIMAL);
    ck_assert_int_eq(model_find_in("d", dirs, 2, path, sizeof path), 0);
    ck_assert_str_eq(path, file);
}
END_TEST

START_TEST(not_found_names_every_place)
{
    const char *dirs[] = {"/no/a", "/no/b", "/no/c"};
    char path[MODEL_PATH_MAX], err[1024];
    capture_begin();
    int rc = model_find_in("x", dirs, 3, path, sizeof path);
    capture_end(err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(err, "ffvae: model 'x' not found; looked in /no/a/x.ini, /no/b/x.ini "
                          "and /no/c/x.ini\n");

    capture_begin();
    rc = model_find_in("x", dirs, 1, path, sizeof path);
    capture_end(err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(err, "ffvae: model 'x' not found; looked in /no/a/x.ini\n");
}
END_TEST

START_TEST(a_file_of_that_name_here_gets_a_hint)
{
    char dir[4096], path[MODEL_PATH_MAX], err[1024];
    temp_dir(dir, sizeof dir);
    ck_assert_int_eq(chdir(dir), 0);
    write_text("mymodel", MINIMAL);
    const char *dirs[] = {"./models"};
    capture_begin();
    int rc = model_find_in("mymodel", dirs, 1, path, sizeof path);
    capture_end(err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(err, "ffvae: model 'mymodel' not found; looked in ./models/mymodel.ini "
                          "(for the file 'mymodel' here, write ./mymodel)\n");
}
END_TEST

START_TEST(default_places_are_local_then_installed)
{
    const char *installed = model_installed_dir();
    ck_assert_msg(installed[0] == '/', "installed models dir '%s' is not absolute", installed);
    size_t n = strlen(installed);
    ck_assert_msg(n > 13 && strcmp(installed + n - 13, "/ffvae/models") == 0,
                  "installed models dir '%s' is not $(pkgdatadir)/models", installed);

    char dir[4096], path[MODEL_PATH_MAX], err[2 * MODEL_PATH_MAX], want[2 * MODEL_PATH_MAX];
    temp_dir(dir, sizeof dir);
    ck_assert_int_eq(chdir(dir), 0);
    capture_begin();
    int rc = model_find("ffvae-test-no-such-model", path, sizeof path);
    capture_end(err, sizeof err);
    ck_assert_int_eq(rc, -1);
    snprintf(want, sizeof want,
             "ffvae: model 'ffvae-test-no-such-model' not found; looked in "
             "./models/ffvae-test-no-such-model.ini and %s/ffvae-test-no-such-model.ini\n",
             installed);
    ck_assert_str_eq(err, want);

    ck_assert_int_eq(mkdir("models", 0700), 0);
    write_text("models/ffvae-test-no-such-model.ini", MINIMAL);
    ck_assert_int_eq(model_find("ffvae-test-no-such-model", path, sizeof path), 0);
    ck_assert_str_eq(path, "./models/ffvae-test-no-such-model.ini");
}
END_TEST

START_TEST(config_load_takes_a_name)
{
    char dir[4096], err[1024];
    temp_dir(dir, sizeof dir);
    ck_assert_int_eq(chdir(dir), 0);
    ck_assert_int_eq(mkdir("models", 0700), 0);
    write_text("models/tiny.ini", MINIMAL);

    /* The model is named after its file, as when loaded by path. */
    ModelConfig c;
    ck_assert_int_eq(config_load(&c, "tiny"), 0);
    ck_assert_str_eq(c.name, "tiny");
    ck_assert_int_eq(c.net_width, 128);

    /* Errors in the file name the file that was found. */
    write_text("models/bad.ini", "[data]\nheight = 28\nwidht = 28\n");
    capture_begin();
    int rc = config_load(&c, "bad");
    capture_end(err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strncmp(err, "ffvae: ./models/bad.ini:3: ", 27) == 0, "got: %s", err);

    capture_begin();
    rc = config_load(&c, "missing");
    capture_end(err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err, "ffvae: model 'missing' not found; looked in "
                              "./models/missing.ini and ") == err, "got: %s", err);
}
END_TEST

START_TEST(reference_models_load_by_name_in_a_checkout)
{
    const char *src = getenv("SRCDIR");
    ck_assert_msg(src != NULL && *src, "SRCDIR is not set: run through make check");
    ck_assert_int_eq(chdir(src), 0);
    char path[MODEL_PATH_MAX];
    ck_assert_int_eq(model_find("fmnist-fourier", path, sizeof path), 0);
    ck_assert_str_eq(path, "./models/fmnist-fourier.ini");
    ModelConfig c;
    ck_assert_int_eq(config_load(&c, "fmnist-fourier"), 0);
    ck_assert_str_eq(c.name, "fmnist-fourier");
    ck_assert_int_eq(c.encoding, ENCODING_GAUSSIAN);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("model_find");
    TCase *tc = tcase_create("model_find");
    tcase_add_test(tc, names_are_bare_words);
    tcase_add_test(tc, paths_are_used_as_given);
    tcase_add_test(tc, first_place_that_has_it_wins);
    tcase_add_test(tc, not_found_names_every_place);
    tcase_add_test(tc, a_file_of_that_name_here_gets_a_hint);
    tcase_add_test(tc, default_places_are_local_then_installed);
    tcase_add_test(tc, config_load_takes_a_name);
    tcase_add_test(tc, reference_models_load_by_name_in_a_checkout);
    suite_add_tcase(s, tc);

    const char *tmp = getenv("TMPDIR");
    snprintf(base_dir, sizeof base_dir, "%s/ffvae-model-find.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(base_dir)) {
        perror(base_dir);
        return 1;
    }
    int rc = run_suite(s);
    nftw(base_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
