/* stale_temps.h - removing the temporary files of processes that died.
 *
 * Every atomic write (util.h, OutputFile) goes to NAME.tmp.<pid> and is
 * renamed into place when complete; a process killed mid-write (kill -9, a
 * power cut) leaves that file behind. A run that starts or resumes in a
 * directory removes the ones whose process is gone. */
#ifndef FFVAE_STALE_TEMPS_H
#define FFVAE_STALE_TEMPS_H

/* 1 when name looks like a temporary file of OutputFile ("x.tmp.123"), with
 * the pid in *pid. */
int stale_temp_pid(const char *name, long *pid);

/* Removes dir's entries named *.tmp.<pid> whose process no longer exists
 * (not this process's, nor a live one's: a run writing there keeps its
 * files). Returns how many were removed, or -1 after reporting a directory
 * that cannot be read or a file that cannot be removed. */
int remove_stale_temps(const char *dir);

#endif
