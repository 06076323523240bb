/* distributed.c - the job's ranks over MPI, or one process (see distributed.h). */
#include "config.h"

#include "distributed.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

uint64_t dist_hash(uint64_t h, const void *data, size_t bytes)
{
    /* 8 bytes at a time through a splitmix64-style finaliser: fast enough to
     * hash a whole dataset at start (tens of MB) in well under a second. */
    const unsigned char *p = data;
    h ^= 0x9e3779b97f4a7c15ull + bytes;
    while (bytes > 0) {
        uint64_t w = 0;
        size_t k = bytes < 8 ? bytes : 8;
        memcpy(&w, p, k);
        h ^= w + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
        h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
        h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
        h ^= h >> 31;
        p += k;
        bytes -= k;
    }
    return h;
}

#ifndef HAVE_MPI

/* ---- one process --------------------------------------------------------- */

int dist_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}
void dist_finalize(void) {}
void dist_abort(int status)
{
    exit(status);
}
int dist_active(void)
{
    return 0;
}
int dist_rank(void)
{
    return 0;
}
int dist_size(void)
{
    return 1;
}
void dist_bcast(void *buf, size_t bytes)
{
    (void)buf;
    (void)bytes;
}
void dist_sum_i64(int64_t *buf, size_t n)
{
    (void)buf;
    (void)n;
}
void dist_sum_f32(float *buf, size_t n)
{
    (void)buf;
    (void)n;
}
void dist_max_f64(double *buf, size_t n)
{
    (void)buf;
    (void)n;
}
int dist_wait_for_root(int status)
{
    return status;
}
void dist_watchdog(double seconds)
{
    (void)seconds;
}
void dist_heartbeat(const char *doing)
{
    (void)doing;
}

#else

/* ---- MPI ----------------------------------------------------------------- */

#include <mpi.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "util.h"

static int active, rank, size = 1;

/* Started by an MPI launcher? OpenMPI's mpirun sets OMPI_COMM_WORLD_SIZE,
 * PMIx launchers PMIX_RANK, MPICH's PMI_RANK. Without one the program runs
 * as the plain single process (no MPI_Init), exactly as a build without MPI. */
static int launched_by_mpi(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

int dist_init(int *argc, char ***argv)
{
    if (!launched_by_mpi())
        return 0;
    int provided = MPI_THREAD_SINGLE;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        ffvae_error("MPI_Init_thread failed");
        return -1;
    }
    active = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (provided < MPI_THREAD_FUNNELED) {
        ffvae_error("rank %d: MPI grants thread level %d, below MPI_THREAD_FUNNELED (%d), which "
                    "the worker threads need",
                    rank, provided, MPI_THREAD_FUNNELED);
        dist_abort(1);
    }
    return 0;
}

void dist_finalize(void)
{
    if (!active)
        return;
    dist_heartbeat(NULL);
    MPI_Finalize();
    active = 0;
}

void dist_abort(int status)
{
    if (!active)
        exit(status);
    fflush(stdout);
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, status);
    _exit(status); /* MPI_Abort does not return; this keeps noreturn honest */
}

int dist_active(void)
{
    return active;
}
int dist_rank(void)
{
    return rank;
}
int dist_size(void)
{
    return size;
}

/* MPI counts are int: large buffers go in pieces of at most 1 GiB. */
#define PIECE ((size_t)1 << 30)

void dist_bcast(void *buf, size_t bytes)
{
    if (!active)
        return;
    for (size_t off = 0; off < bytes; off += PIECE) {
        size_t n = bytes - off < PIECE ? bytes - off : PIECE;
        MPI_Bcast((char *)buf + off, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
    }
}

static void allreduce(void *buf, size_t n, size_t elem, MPI_Datatype type, MPI_Op op)
{
    if (!active)
        return;
    size_t piece = PIECE / elem;
    for (size_t off = 0; off < n; off += piece) {
        size_t k = n - off < piece ? n - off : piece;
        MPI_Allreduce(MPI_IN_PLACE, (char *)buf + off * elem, (int)k, type, op, MPI_COMM_WORLD);
    }
}

void dist_sum_i64(int64_t *buf, size_t n)
{
    allreduce(buf, n, sizeof *buf, MPI_INT64_T, MPI_SUM);
}
void dist_sum_f32(float *buf, size_t n)
{
    allreduce(buf, n, sizeof *buf, MPI_FLOAT, MPI_SUM);
}
void dist_max_f64(double *buf, size_t n)
{
    allreduce(buf, n, sizeof *buf, MPI_DOUBLE, MPI_MAX);
}

int dist_wait_for_root(int status)
{
    if (!active)
        return status;
    dist_heartbeat(NULL);
    int v = status;
    MPI_Request req;
    MPI_Ibcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
    /* Rank 0 arrives last and finds the others there; they poll, napping
     * 0.1 ms doubling to 20 ms: an idle rank wakes ~50 times a second. */
    useconds_t nap = 100;
    for (int done = 0;;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done)
            break;
        usleep(nap);
        if (nap < 20000)
            nap *= 2;
    }
    return v;
}

/* ---- watchdog ------------------------------------------------------------ */

static struct {
    pthread_t thread;
    int started;
    double seconds;
    _Atomic double last;              /* time of the last beat; 0 when disarmed */
    _Atomic(const char *) doing;
} wd;

static void *watchdog_main(void *arg)
{
    (void)arg;
    for (;;) {
        usleep(200 * 1000);
        double last = atomic_load(&wd.last);
        if (last > 0 && now_seconds() - last > wd.seconds) {
            const char *doing = atomic_load(&wd.doing);
            /* Not MPI_Abort: only the main thread may call MPI. A rank that
             * exits without MPI_Finalize makes mpirun end the whole job. */
            fprintf(stderr,
                    "ffvae: rank %d: no progress for %.0f s (--mpi-timeout) while %s; ending the "
                    "job\n",
                    rank, wd.seconds, doing ? doing : "training");
            fflush(stderr);
            _exit(124);
        }
    }
    return NULL;
}

void dist_watchdog(double seconds)
{
    if (!active || seconds <= 0 || wd.started)
        return;
    wd.seconds = seconds;
    /* The thread blocks every signal, so SIGINT/SIGTERM reach the main thread. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    int err = pthread_create(&wd.thread, NULL, watchdog_main, NULL);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (err == 0) {
        pthread_detach(wd.thread);
        wd.started = 1;
    } else {
        ffvae_error("rank %d: cannot start the watchdog thread: %s", rank, strerror(err));
    }
}

void dist_heartbeat(const char *doing)
{
    if (!wd.started)
        return;
    atomic_store(&wd.doing, doing);
    atomic_store(&wd.last, doing ? now_seconds() : 0.0);
}

#endif
