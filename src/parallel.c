/* parallel.c - the worker pool behind parallel_for (see parallel.h). */
#include "parallel.h"

#include <cblas.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a new job, or quit */
    pthread_cond_t done; /* the last worker finished its part */
    pthread_t workers[PARALLEL_MAX_PARTS];
    int parts;                /* the caller plus the workers */
    unsigned long generation; /* bumped per job, so each worker runs a job once */
    unsigned long start_generation; /* the generation when the workers started */
    int pending;              /* workers still running the current job */
    int quit;
    ParallelFn fn;
    void *job;
    size_t n;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER,
          .parts = 1};

static float scratch[PARALLEL_MAX_PARTS][PARALLEL_SCRATCH_FLOATS];

/* Part k of n items split into `parts` contiguous ranges of near-equal size. */
static void part_range(size_t n, int parts, int k, size_t *begin, size_t *end)
{
    size_t q = n / (size_t)parts, r = n % (size_t)parts, kk = (size_t)k;
    *begin = kk * q + (kk < r ? kk : r);
    *end = *begin + q + (kk < r ? 1 : 0);
}

static void *worker_main(void *arg)
{
    int k = (int)(intptr_t)arg;
    pthread_mutex_lock(&pool.lock);
    unsigned long seen = pool.start_generation;
    for (;;) {
        while (!pool.quit && pool.generation == seen)
            pthread_cond_wait(&pool.wake, &pool.lock);
        if (pool.quit)
            break;
        seen = pool.generation;
        ParallelFn fn = pool.fn;
        void *job = pool.job;
        size_t n = pool.n, begin, end;
        part_range(n, pool.parts, k, &begin, &end);
        pthread_mutex_unlock(&pool.lock);
        if (begin < end)
            fn(job, begin, end, k);
        pthread_mutex_lock(&pool.lock);
        if (--pool.pending == 0)
            pthread_cond_signal(&pool.done);
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

static void stop_workers(void)
{
    pthread_mutex_lock(&pool.lock);
    pool.quit = 1;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    for (int k = 1; k < pool.parts; k++)
        pthread_join(pool.workers[k], NULL);
    pool.quit = 0;
    pool.parts = 1;
}

int threads_use(int T)
{
    static int all_cores = 0; /* OpenBLAS's default thread count: every core */
    if (all_cores == 0)
        all_cores = openblas_get_num_threads();
    int threads = T > 0 ? T : all_cores;
    int parts = threads < 1 ? 1 : threads > PARALLEL_MAX_PARTS ? PARALLEL_MAX_PARTS : threads;
    /* Every GEMM is split over the parts (layers.c), each slice on one OpenBLAS
     * thread: OpenBLAS's own idle threads spin with sched_yield between calls
     * and would take the cores from the element-wise passes. */
    openblas_set_num_threads(1);
    if (parts == pool.parts)
        return parts;
    stop_workers();
    pool.start_generation = pool.generation;
    /* Workers block every signal (they inherit the mask), so SIGINT and
     * SIGTERM reach the main thread, whose handler asks training to stop. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    int err = 0, k = 1;
    for (; k < parts && err == 0; k++)
        err = pthread_create(&pool.workers[k], NULL, worker_main, (void *)(intptr_t)k);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (err != 0) {
        ffvae_error("cannot start worker thread %d of %d: %s", k, parts, strerror(err));
        pool.parts = k - 1; /* the ones started so far are joined here */
        stop_workers();
        return -1;
    }
    pool.parts = parts;
    return parts;
}

int parallel_for(size_t n, size_t min_per_part, ParallelFn fn, void *job)
{
    int parts = pool.parts;
    if (parts == 1 || n < (size_t)parts * (min_per_part > 0 ? min_per_part : 1)) {
        if (n > 0)
            fn(job, 0, n, 0);
        return 1;
    }
    pthread_mutex_lock(&pool.lock);
    pool.fn = fn;
    pool.job = job;
    pool.n = n;
    pool.pending = parts - 1;
    pool.generation++;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);

    size_t begin, end;
    part_range(n, parts, 0, &begin, &end);
    fn(job, begin, end, 0);

    pthread_mutex_lock(&pool.lock);
    while (pool.pending > 0)
        pthread_cond_wait(&pool.done, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    return parts;
}

int parallel_threads(void)
{
    return pool.parts;
}

float *parallel_scratch(int part)
{
    return scratch[part];
}
