/* file_walk.c - sorted listings of the files an importer wants (file_walk.h). */
#include "file_walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util.h"

#define MAX_DEPTH 32 /* deeper than this is a symlink loop, not a data set */

int has_extension(const char *name, const char *const *exts, int n)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return 0;
    for (int i = 0; i < n; i++)
        if (strcasecmp(dot, exts[i]) == 0)
            return 1;
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void dir_names_free(char **names, long n)
{
    for (long i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int dir_names(const char *dir, char ***out, long *count, long *hidden)
{
    DIR *d = opendir(dir);
    long n = 0, cap = 0;
    char **names = NULL;
    if (!d) {
        ffvae_error("%s: cannot read directory: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            if (hidden && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                (*hidden)++;
            continue; /* ".", "..", and hidden files */
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, (size_t)cap * sizeof *names);
            if (!grown) {
                ffvae_error("%s: out of memory listing the directory", dir);
                goto fail;
            }
            names = grown;
        }
        names[n] = strdup(e->d_name);
        if (!names[n]) {
            ffvae_error("%s: out of memory listing the directory", dir);
            goto fail;
        }
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, (size_t)n, sizeof *names, compare_names);
    *out = names;
    *count = n;
    return 0;
fail:
    closedir(d);
    dir_names_free(names, n);
    return -1;
}

static int add_file(FileList *l, const char *path, int label)
{
    if (l->n == l->cap) {
        long cap = l->cap ? 2 * l->cap : 256;
        ListedFile *grown = realloc(l->files, (size_t)cap * sizeof *grown);
        if (!grown) {
            ffvae_error("%s: out of memory listing files", path);
            return -1;
        }
        l->files = grown;
        l->cap = cap;
    }
    l->files[l->n].path = strdup(path);
    if (!l->files[l->n].path) {
        ffvae_error("%s: out of memory listing files", path);
        return -1;
    }
    l->files[l->n++].label = label;
    return 0;
}

void file_list_free(FileList *l)
{
    for (long i = 0; i < l->n; i++)
        free(l->files[i].path);
    free(l->files);
    l->files = NULL;
    l->n = l->cap = 0;
}

long file_skips_total(const FileSkips *s)
{
    return s->unwanted + s->hidden + s->dangling + s->loops + s->unreadable + s->special;
}

/* Counts why path (whose stat failed with err, or which is not a regular
 * wanted file) is skipped; symlink loops are also named. */
static void count_skip(FileSkips *k, const char *path, int err, const struct stat *st)
{
    if (!k)
        return;
    if (err == ELOOP) {
        if (k->loops < SKIP_NAMED)
            snprintf(k->loop_paths[k->loops], sizeof k->loop_paths[0], "%s", path);
        k->loops++;
    } else if (err == ENOENT) {
        k->dangling++;
    } else if (err) {
        k->unreadable++;
    } else if (S_ISREG(st->st_mode)) {
        k->unwanted++;
    } else {
        k->special++;
    }
}

static int collect(FileList *l, const char *dir, int label, int recurse, FileWanted wanted,
                   int depth, long *subdirs, FileSkips *skips)
{
    char **names;
    long n;
    char path[4096];
    if (depth > MAX_DEPTH) {
        ffvae_error("%s: folders nested more than %d deep (a symlink loop?)", dir, MAX_DEPTH);
        return -1;
    }
    if (dir_names(dir, &names, &n, skips ? &skips->hidden : NULL) != 0)
        return -1;
    int rc = 0;
    for (long i = 0; i < n && rc == 0; i++) {
        struct stat st;
        if (path_join(path, sizeof path, dir, names[i]) != 0) {
            rc = -1;
            break;
        }
        if (stat(path, &st) != 0) {
            count_skip(skips, path, errno, NULL); /* dangling symlink, loop, ... */
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (recurse)
                rc = collect(l, path, label, 1, wanted, depth + 1, subdirs, skips);
            else if (subdirs)
                (*subdirs)++;
        } else if (S_ISREG(st.st_mode) && wanted(names[i])) {
            rc = add_file(l, path, label);
        } else {
            count_skip(skips, path, 0, &st);
        }
    }
    dir_names_free(names, n);
    return rc;
}

int file_list_collect(FileList *l, const char *dir, int label, int recurse, FileWanted wanted,
                      long *subdirs, FileSkips *skips)
{
    return collect(l, dir, label, recurse, wanted, 0, subdirs, skips);
}
