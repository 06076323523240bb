/* model_find.c - turns a model argument into the file to read (see model_find.h). */
#include "model_find.h"

#include "util.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Set by Makefile.am from the configured $(pkgdatadir). */
#ifndef FFVAE_MODELS_DIR
#error "FFVAE_MODELS_DIR (the installed models directory) must be defined"
#endif

/* Where a checkout or a project keeps its own models, relative to the current
 * directory; written with "./" so messages show it is relative. */
#define LOCAL_MODELS_DIR "./models"

int model_is_name(const char *arg)
{
    size_t n = strlen(arg);
    return n > 0 && !strchr(arg, '/') && !(n >= 4 && strcmp(arg + n - 4, ".ini") == 0);
}

const char *model_installed_dir(void) { return FFVAE_MODELS_DIR; }

static int copy_path(char *path, size_t size, const char *src)
{
    int n = snprintf(path, size, "%s", src);
    if (n < 0 || (size_t)n >= size) {
        ffvae_error("%s: path too long (over %zu bytes)", src, size - 1);
        return -1;
    }
    return 0;
}

/* A candidate counts when something other than a directory is there; a file
 * that then cannot be read is reported by whoever opens it, under its path. */
static int is_candidate(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

int model_find_in(const char *arg, const char *const *dirs, int n_dirs, char *path,
                  size_t size)
{
    if (!model_is_name(arg))
        return copy_path(path, size, arg);
    /* "A, B and C": every place looked, in order, for the message. */
    char looked[3 * MODEL_PATH_MAX];
    size_t used = 0;
    looked[0] = '\0';
    for (int i = 0; i < n_dirs; i++) {
        char candidate[MODEL_PATH_MAX];
        int n = snprintf(candidate, sizeof candidate, "%s/%s.ini", dirs[i], arg);
        if (n < 0 || (size_t)n >= sizeof candidate) {
            ffvae_error("model '%s': name too long", arg);
            return -1;
        }
        if (is_candidate(candidate))
            return copy_path(path, size, candidate);
        const char *sep = i == 0 ? "" : i == n_dirs - 1 ? " and " : ", ";
        size_t room = sizeof looked - used;
        n = snprintf(looked + used, room, "%s%s", sep, candidate);
        used += n > 0 && (size_t)n < room ? (size_t)n : room - 1;
    }
    /* A file of that name here is not a model name's file; say how to use it. */
    char hint[2 * MODEL_PATH_MAX + 64] = "";
    if (is_candidate(arg))
        snprintf(hint, sizeof hint, " (for the file '%s' here, write ./%s)", arg, arg);
    ffvae_error("model '%s' not found; looked in %s%s", arg, n_dirs > 0 ? looked : "no place",
                hint);
    return -1;
}

int model_find(const char *arg, char *path, size_t size)
{
    static const char *const dirs[] = {LOCAL_MODELS_DIR, FFVAE_MODELS_DIR};
    return model_find_in(arg, dirs, (int)(sizeof dirs / sizeof dirs[0]), path, size);
}
