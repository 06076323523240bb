/* mpi_alpha_beta.c - measures MPI_Allreduce time against message size, for
 * the README's cost model (latency α, inverse bandwidth β). Not built by
 * make; run by hand:
 *   mpicc -O2 tests/mpi_alpha_beta.c -o /tmp/alpha_beta
 *   mpirun -np 2 --bind-to none /tmp/alpha_beta
 * Prints, per size, the fastest and the median time of 50 MPI_INT64_T sums
 * (after 5 warm-up calls), then α (the fastest 8-byte sum) and β from the
 * fastest largest sum, T(S) = α + 2(N−1)/N · S · β: on a shared machine the
 * median measures the other processes as much as MPI. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int provided, rank, size;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    enum { REPS = 50, SIZES = 8 };
    const size_t counts[SIZES] = {1, 128, 1024, 8192, 65536, 300000, 600000, 1200000};
    double xs[SIZES], ys[SIZES];
    int64_t *buf = calloc(counts[SIZES - 1], sizeof *buf);
    for (int s = 0; s < SIZES; s++) {
        double t[REPS];
        for (int r = -5; r < REPS; r++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, buf, (int)counts[s], MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
            if (r >= 0)
                t[r] = MPI_Wtime() - t0;
        }
        qsort(t, REPS, sizeof t[0], cmp);
        xs[s] = 2.0 * (size - 1) / size * (double)counts[s] * 8;
        ys[s] = t[0];
        if (rank == 0)
            printf("%10zu bytes  fastest %10.1f us  median %10.1f us\n", counts[s] * 8, 1e6 * t[0],
                   1e6 * t[REPS / 2]);
    }
    double alpha = ys[0], beta = (ys[SIZES - 1] - alpha) / xs[SIZES - 1];
    if (rank == 0)
        printf("N=%d  alpha = %.1f us  beta = %.3f ns/byte (%.2f GB/s)\n", size, 1e6 * alpha,
               1e9 * beta, 1e-9 / beta);
    free(buf);
    MPI_Finalize();
    return 0;
}
