/* file_walk.h - the files under a folder that an importer wants, in sorted
 * path order (never readdir's), with everything left out counted by reason;
 * the listing that both the image and the font importers start from. */
#ifndef FFVAE_FILE_WALK_H
#define FFVAE_FILE_WALK_H

/* Why entries were left out, counted; the first few symlink loops (a link
 * that resolves to itself) are named. */
#define SKIP_NAMED 8
typedef struct {
    long unwanted;   /* regular files the importer does not read (by extension) */
    long hidden;     /* names starting with '.' */
    long dangling;   /* symlinks whose target is missing */
    long loops;      /* symlink loops */
    long unreadable; /* stat failed for another reason (permissions, ...) */
    long special;    /* devices, sockets, FIFOs */
    char loop_paths[SKIP_NAMED][4096];
} FileSkips;

/* Total of the counts in s. */
long file_skips_total(const FileSkips *s);

typedef struct {
    char *path;
    int label;
} ListedFile;

typedef struct {
    ListedFile *files;
    long n, cap;
} FileList;

/* 1 when a file of this name is one the importer reads. */
typedef int (*FileWanted)(const char *name);

/* Adds the wanted files in dir to l with this label; with recurse, also
 * those in its subfolders (at most 32 deep: deeper is a symlink loop), else
 * subfolders are counted in *subdirs (when not NULL) and skipped. What is
 * left out is counted in *skips (when not NULL). 0, or -1 after reporting. */
int file_list_collect(FileList *l, const char *dir, int label, int recurse, FileWanted wanted,
                      long *subdirs, FileSkips *skips);
void file_list_free(FileList *l);

/* The visible entries of dir, sorted bytewise (independent of locale and of
 * readdir order) into a malloc'd *names[*count]; hidden ones are counted in
 * *hidden when it is not NULL. Free with dir_names_free. */
int dir_names(const char *dir, char ***names, long *count, long *hidden);
void dir_names_free(char **names, long n);

/* 1 when name ends in one of exts[n] (case-insensitive, ".png" style). */
int has_extension(const char *name, const char *const *exts, int n);

#endif
