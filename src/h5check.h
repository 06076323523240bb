/* h5check.h - opening untrusted HDF5 files in a child process first.
 *
 * libhdf5 1.10 crashes, hangs or allocates gigabytes on some damaged files,
 * inside calls ffvae cannot make safe. So a loader first runs itself in a
 * forked child under setrlimit (address space and CPU time) and a wall-clock
 * timeout: the child opens and validates the file exactly as the loader
 * will, reading bulk data slab by slab into a scratch buffer it discards (so
 * its memory need does not grow with the data). Only when the child finishes
 * cleanly does the parent load the file. A child that dies on a signal, runs
 * out of its limits or hangs becomes "ffvae: FILE: damaged or hostile HDF5
 * file (...)"; a child that refuses the file has already said why. */
#ifndef FFVAE_H5CHECK_H
#define FFVAE_H5CHECK_H

/* The child's budget: this much address space beyond what the process has
 * mapped when it forks, and CPU seconds of H5CHECK_CPU_SECONDS plus one per
 * H5CHECK_BYTES_PER_SECOND of file; the wall-clock timeout is four times the
 * CPU limit. */
#define H5CHECK_MEMORY_BYTES ((unsigned long long)1 << 30)
#define H5CHECK_CPU_SECONDS 10
#define H5CHECK_BYTES_PER_SECOND (16LL << 20)

/* A loader run in the child: 0 when the file is accepted. */
typedef int (*H5CheckFn)(const char *path, void *arg);

/* Runs fn(path, arg) in a child process under the limits. Returns 0 when it
 * accepted the file, -1 when it refused it (having reported why) or did not
 * finish (reported here). With the check disabled, or inside the child
 * itself, returns 0 at once. */
int h5check_run(const char *path, H5CheckFn fn, void *arg);

/* The same for another reader of untrusted files (the glyph importer's
 * stb_truetype, which does not check its reads): kind names the file in the
 * messages ("font file"), reader the code that crashed ("stb_truetype").
 * h5check_run is this with "HDF5 file" and "libhdf5". */
int h5check_run_reader(const char *path, H5CheckFn fn, void *arg, const char *kind,
                       const char *reader);
/* 1 inside the checking child: loaders skip allocating bulk data there. */
int h5check_in_child(void);

/* On by default; FFVAE_CHILD_CHECK=0 in the environment turns it off, and
 * this overrides both (1 on, 0 off, -1 back to the environment's choice). */
void h5check_set_enabled(int on);
int h5check_enabled(void);

/* The CPU seconds before the per-size share (H5CHECK_CPU_SECONDS; 0 restores
 * it): tests lower it to see a hang end quickly. */
void h5check_set_cpu_seconds(long seconds);

#endif
