/* fuzz_util.h - what the libFuzzer harnesses in tests/fuzz share.
 *
 * ffvae's readers take paths (HDF5, zlib, stb_image and the folder walks
 * all start from a file), so each harness writes its input to a file in a
 * temporary directory of its own, $TMPDIR/ffvae-fuzz-NAME.PID, and calls the
 * library on that path. The directory is removed at a normal exit; one left
 * by a process that crashed (libFuzzer leaves with _Exit) is removed by the
 * next harness of that name to start, once its process is gone. */
#ifndef FFVAE_FUZZ_UTIL_H
#define FFVAE_FUZZ_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_dir_path[2048];

/* Removes the plain files in dir, then dir (the harnesses make no subfolders). */
static void fuzz_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[4096];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

static void fuzz_cleanup(void)
{
    if (fuzz_dir_path[0])
        fuzz_remove_dir(fuzz_dir_path);
}

/* The directories ffvae-fuzz-NAME.PID in tmp whose process is gone. */
static void fuzz_remove_stale(const char *tmp, const char *name)
{
    char prefix[256], p[4096];
    snprintf(prefix, sizeof prefix, "ffvae-fuzz-%s.", name);
    DIR *d = opendir(tmp);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(prefix);
        if (strncmp(e->d_name, prefix, n) != 0)
            continue;
        char *end;
        long pid = strtol(e->d_name + n, &end, 10);
        if (*end || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive, or not ours to judge */
        snprintf(p, sizeof p, "%s/%s", tmp, e->d_name);
        fuzz_remove_dir(p);
    }
    closedir(d);
}

/* This process's directory, made on first use. Exits on failure: a harness
 * that cannot write its input tests nothing. */
static inline const char *fuzz_dir(const char *name)
{
    if (fuzz_dir_path[0])
        return fuzz_dir_path;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !tmp[0])
        tmp = "/tmp";
    fuzz_remove_stale(tmp, name);
    snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/ffvae-fuzz-%s.%ld", tmp, name,
             (long)getpid());
    if (mkdir(fuzz_dir_path, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "fuzz: cannot make %s: %s\n", fuzz_dir_path, strerror(errno));
        exit(2);
    }
    atexit(fuzz_cleanup);
    return fuzz_dir_path;
}

/* Writes data[size] to DIR/file and returns the path (static storage). */
static inline const char *fuzz_write(const char *name, const char *file, const uint8_t *data,
                              size_t size)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(name), file);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
    return path;
}

/* Where the readers' summaries go (they print only through the caller's FILE). */
static inline FILE *fuzz_devnull(void)
{
    static FILE *f;
    if (!f && !(f = fopen("/dev/null", "w"))) {
        fprintf(stderr, "fuzz: cannot open /dev/null\n");
        exit(2);
    }
    return f;
}

/* A value from the environment (for the limits a campaign may change), or def. */
static inline long long fuzz_env(const char *name, long long def)
{
    const char *s = getenv(name);
    return s && s[0] ? strtoll(s, NULL, 10) : def;
}

#endif
