/* distributed.h - the processes of a data-parallel job, over MPI when the
 * build has it (configure --with-mpi) and the program was started by an MPI
 * launcher (mpirun); otherwise one process, rank 0 of 1, and every call here
 * is a no-op. So callers (train.c) use it unconditionally, without #ifdefs.
 *
 * MPI is initialised with MPI_THREAD_FUNNELED: every MPI call is made from
 * the main thread (the worker pool of parallel.c never calls MPI, and the
 * watchdog thread here only ever ends the process).
 *
 * Errors: MPI's default handler (MPI_ERRORS_ARE_FATAL) ends the whole job on
 * a failed call; a rank that fails on its own reports and calls dist_abort,
 * which ends every rank (a rank left waiting in a collective would hang). */
#ifndef FFVAE_DISTRIBUTED_H
#define FFVAE_DISTRIBUTED_H

#include <stddef.h>
#include <stdint.h>

/* Joins the job when launched by mpirun (MPI build), else does nothing.
 * Returns 0, or -1 (reported) when MPI cannot give the threading it needs. */
int dist_init(int *argc, char ***argv);
/* Leaves the job cleanly (all ranks must call it); no-op outside a job. */
void dist_finalize(void);
/* Ends every rank of the job with status (MPI_Abort); outside a job, exit(status). */
void dist_abort(int status) __attribute__((noreturn));

/* 1 when this process is a rank of an MPI job (of any size, 1 included). */
int dist_active(void);
int dist_rank(void);
int dist_size(void);

/* Collectives over every rank (each must make the same calls in the same order). */
void dist_bcast(void *buf, size_t bytes);            /* from rank 0 */
void dist_sum_i64(int64_t *buf, size_t n);            /* in place, exact */
void dist_sum_f32(float *buf, size_t n);              /* in place, float (order: MPI's) */
void dist_max_f64(double *buf, size_t n);             /* in place */

/* Where rank 0 works alone (evaluation, figures, a report, output files) the
 * others wait here for it without spinning a core: every rank calls it, rank
 * 0 when its work is done, and every rank returns rank 0's status. The wait
 * polls a non-blocking broadcast with sleeps of up to 20 ms (MPI's blocking
 * collectives busy-poll in OpenMPI's shared-memory transport), and the
 * watchdog is disarmed first: a long evaluation on rank 0 is no hang, and
 * every rank is idle or working alone until the next collective step.
 * Outside a job it returns status. */
int dist_wait_for_root(int status);

/* A 64-bit hash (not cryptographic) of bytes, continuing from h (start at 0). */
uint64_t dist_hash(uint64_t h, const void *data, size_t bytes);

/* The watchdog: once armed, a thread ends this process (with a message naming
 * the rank and what it was doing) when dist_heartbeat is not called for
 * `seconds`; the launcher then ends the other ranks. Off outside a job or
 * with seconds <= 0. dist_heartbeat(NULL) disarms it until the next beat. */
void dist_watchdog(double seconds);
void dist_heartbeat(const char *doing);

#endif
