/* ffl_fft_bench.c - the measurement behind ffl.c's choice of DFT (its
 * header has the numbers): one batch of 64 images through ffl.c (forward and
 * backward of the focal frequency loss: three transforms), spectrum.c's
 * double DFT (one forward power spectrum per image: a lower bound on what FFL
 * would need from it), and FFTW's single-precision r2c/c2r alone (the same
 * three transforms, batched with fftwf_plan_many_dft_*, FFTW_MEASURE). Not
 * part of make check (a timing, not a test); from a configured build directory:
 *   gcc -O2 -I../src -I. ../tests/ffl_fft_bench.c libffvae.a -lfftw3f \
 *       $(pkg-config --libs openblas hdf5) -lm -lpthread -o ffl_fft_bench
 *   OPENBLAS_NUM_THREADS=1 ./ffl_fft_bench */
#include "ffl.h"
#include "spectrum.h"

#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void bench(int S, int B, int reps)
{
    size_t n = (size_t)B * S * S;
    float *logits = malloc(n * sizeof *logits), *target = malloc(n * sizeof *target);
    float *dl = calloc(n, sizeof *dl);
    for (size_t i = 0; i < n; i++)
        logits[i] = (float)rand() / RAND_MAX * 6 - 3, target[i] = (float)rand() / RAND_MAX;

    FflPlan p;
    ffl_plan_init(&p, B, S, S, 1);
    double sink = ffl_forward(&p, logits, target, 1.0f, B);
    double t0 = now();
    for (int r = 0; r < reps; r++) {
        sink += ffl_forward(&p, logits, target, 1.0f, B);
        ffl_backward(&p, dl, logits, target, 1.0f, 1.0f, B);
    }
    double t_sgemm = (now() - t0) / reps;

    DftPlan dp;
    dft_plan_init(&dp, S, S);
    double *power = malloc((size_t)S * S * sizeof *power);
    t0 = now();
    for (int r = 0; r < reps; r++)
        for (int b = 0; b < B; b++)
            power_spectrum_2d_plan(power, &dp, target + (size_t)b * S * S, 1);
    double t_spectrum = (now() - t0) / reps;
    sink += power[1];

    int dims[2] = {S, S}, nk = S / 2 + 1;
    float *in = fftwf_malloc(n * sizeof *in);
    fftwf_complex *out = fftwf_malloc((size_t)B * S * nk * sizeof *out);
    fftwf_plan fwd = fftwf_plan_many_dft_r2c(2, dims, B, in, NULL, 1, S * S, out, NULL, 1, S * nk,
                                             FFTW_MEASURE);
    fftwf_plan inv = fftwf_plan_many_dft_c2r(2, dims, B, out, NULL, 1, S * nk, in, NULL, 1, S * S,
                                             FFTW_MEASURE);
    for (size_t i = 0; i < n; i++)
        in[i] = target[i];
    t0 = now();
    for (int r = 0; r < reps; r++) {
        fftwf_execute(fwd);
        fftwf_execute(fwd);
        fftwf_execute(inv);
    }
    double t_fftw = (now() - t0) / reps;
    sink += in[0];
    printf("%dx%d, batch %d: ffl.c forward+backward %.3f ms; spectrum.c one forward "
           "power spectrum per image %.3f ms; FFTW r2c+r2c+c2r %.3f ms  (%g)\n",
           S, S, B, 1e3 * t_sgemm, 1e3 * t_spectrum, 1e3 * t_fftw, sink > 0 ? 0.0 : 1.0);
    fftwf_destroy_plan(fwd);
    fftwf_destroy_plan(inv);
    fftwf_free(in);
    fftwf_free(out);
    free(power);
    dft_plan_free(&dp);
    ffl_plan_free(&p);
    free(logits), free(target), free(dl);
}

int main(void)
{
    bench(28, 64, 200);
    bench(64, 64, 50);
    return 0;
}
