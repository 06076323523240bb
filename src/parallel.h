/* parallel.h - how many threads work, and a small pool that splits each GEMM
 * (by output rows, one single-threaded OpenBLAS call per slice) and each
 * element-wise pass (bias, activations, their backward, gathers) over them.
 * OpenBLAS's own threads are not used: they spin with sched_yield between
 * calls and took the cores from the element-wise passes.
 *
 * Workers sleep on a condition variable between jobs, so an idle pool costs
 * no CPU. Jobs are started only from the program's main thread, one at a time. */
#ifndef FFVAE_PARALLEL_H
#define FFVAE_PARALLEL_H

#include <stddef.h>

#include "sizes.h"

/* The most parts a job is split into: a larger thread count is capped here. */
#define PARALLEL_MAX_PARTS 32
/* Floats of per-part scratch (a partial sum row as wide as the widest layer). */
#define PARALLEL_SCRATCH_FLOATS MAX_LAYER_WIDTH

/* Runs items [begin, end) of a job; part is in [0, parts). */
typedef void (*ParallelFn)(void *job, size_t begin, size_t end, int part);

/* Sizes the pool to T threads (T <= 0: OpenBLAS's default, all cores; at
 * most PARALLEL_MAX_PARTS) and sets OpenBLAS to one thread per call. Returns
 * the number of threads in use, or -1 (with a message) when a worker thread
 * cannot be started. */
int threads_use(int T);

/* Splits items [0, n) into contiguous ranges, one per part, and runs fn on
 * each (part 0 on the calling thread); returns when all are done. Runs fn
 * once over everything on the calling thread when n < parts · min_per_part.
 * Returns the number of parts used: 1 ≤ parts ≤ PARALLEL_MAX_PARTS. */
int parallel_for(size_t n, size_t min_per_part, ParallelFn fn, void *job);

/* The number of threads in use (threads_use's last answer; 1 before it). */
int parallel_threads(void);

/* Part k's scratch row (PARALLEL_SCRATCH_FLOATS floats), for partial sums a
 * job reduces after parallel_for returns. */
float *parallel_scratch(int part);

#endif
