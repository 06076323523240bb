/* stale_temps.c - removing dead processes' temporary files (stale_temps.h). */
#include "stale_temps.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int stale_temp_pid(const char *name, long *pid)
{
    const char *tag = NULL;
    for (const char *p = strstr(name, ".tmp."); p; p = strstr(p + 1, ".tmp."))
        tag = p; /* the last one: "a.tmp.b.tmp.12" is a temp of "a.tmp.b" */
    if (!tag || tag == name)
        return 0;
    const char *digits = tag + 5;
    if (!*digits || strlen(digits) > 18)
        return 0;
    long v = 0;
    for (const char *p = digits; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = 10 * v + (*p - '0');
    }
    if (v <= 0)
        return 0;
    *pid = v;
    return 1;
}

/* Whether process pid is gone: kill(pid, 0) says ESRCH. A process we may
 * not signal (EPERM) is alive. */
static int process_gone(long pid)
{
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int remove_stale_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        ffvae_error("%s: cannot read directory: %s", dir, strerror(errno));
        return -1;
    }
    int removed = 0, rc = 0;
    struct dirent *e;
    char path[4200];
    while ((e = readdir(d)) != NULL) {
        long pid;
        if (!stale_temp_pid(e->d_name, &pid) || pid == (long)getpid() || !process_gone(pid))
            continue;
        struct stat st;
        if (path_join(path, sizeof path, dir, e->d_name) != 0 || lstat(path, &st) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (unlink(path) != 0) {
            ffvae_error("%s: cannot remove a stale temporary file: %s", path, strerror(errno));
            rc = -1;
            continue;
        }
        removed++;
    }
    closedir(d);
    return rc == 0 ? removed : -1;
}
