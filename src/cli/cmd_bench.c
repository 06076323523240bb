/* cmd_bench.c - `ffvae bench`: options, then bench_run (bench.c), then the
 * numbers as text or JSON. */
#include <stdio.h>

#include "bench.h"
#include "commands.h"
#include "distributed.h"
#include "options.h"
#include "sweep.h"
#include "util.h"

const char cmd_bench_usage[] =
    "usage: ffvae bench -m MODEL.ini [--batch B] [--steps N] [--threads T] [--set KEY=V]... [--json]\n"
    "\n"
    "Times N training steps (after 3 warm-up steps) on random images of the model's\n"
    "size and prints images/s, ms/step and GFLOP/s, next to a plain GEMM of the\n"
    "decoder's hidden-layer shape [B*P, W] x [W, W] (a conv decoder: its largest\n"
    "im2col product, [B*h*w, c] x [c, k*k*C]) with the same threads and the\n"
    "model's precision (cblas_sgemm for fp32, oneDNN's bf16 matmul for bf16).\n"
    "GFLOP/s counts 2*M*N*K for every matrix product of the step (forward, dx, dW).\n"
    "\n"
    "  -m, --model M      model definition: a .ini file, or a NAME found as\n"
    "                     ./models/NAME.ini, then among the installed models\n"
    "      --batch B      batch size (default: the model's)\n"
    "      --steps N      timed steps (default 20)\n"
    "      --threads T    threads for GEMMs and element-wise passes (default: all cores)\n"
    "      --set KEY=V    change one key of the model (section.key or a bare key, as\n"
    "                     in 'ffvae fit --sweep'), e.g. --set width=512 --set activation=sine\n"
    "      --sample       also time sampling: images/s at the training size (256\n"
    "                     prior draws) and one 1024x1024 render (coord decoders)\n"
    "      --json         print one JSON object instead of text\n"
    "      --mpi-timeout S under mpirun: end the job when a rank makes no progress\n"
    "                     in a step for S seconds (default 600; 0: never)\n"
    "\n"
    "Under mpirun (a --with-mpi build) every rank runs train's data-parallel step\n"
    "on its share of the batch (in chunks of [training] reduce_chunk images, one\n"
    "reduction per step); rank 0 prints the job's images/s, each step's compute\n"
    "and reduction time, and GFLOP/s per rank against a chunk-shaped GEMM.\n";

int cmd_bench(int argc, char **argv)
{
    const char *set_args[CONFIG_MAX_SETS];
    OptionList sets = {set_args, CONFIG_MAX_SETS, 0};
    const char *model_path = NULL;
    int batch = 0, json = 0;
    BenchOptions o = {20, 0, 0};
    double mpi_timeout = 600;
    const Option opts[] = {
        OPT_TEXT("model", 'm', &model_path),
        OPT_INT("batch", 0, &batch, 1, 1000000),
        OPT_LONG("steps", &o.steps, 1, MAX_STEPS),
        OPT_INT("threads", 0, &o.threads, 1, MAX_THREADS),
        OPT_LIST("set", 0, &sets),
        OPT_FLAG("sample", 0, &o.sample),
        OPT_FLAG("json", 0, &json),
        OPT_NUMBER("mpi-timeout", &mpi_timeout, 0, 1e9, 0),
        OPT_END};
    int argi = options_parse("bench", cmd_bench_usage, opts, argc, argv);
    if (argi < 0)
        return options_exit_status(argi);
    if (!model_path || argi < argc)
        return usage_error("bench", "-m MODEL is required");
    ModelConfig cfg;
    if (config_load(&cfg, model_path) != 0)
        return 1;
    if (config_apply_sets(&cfg, set_args, sets.n) != 0)
        return 2;
    if (batch)
        cfg.batch = batch;
    dist_watchdog(mpi_timeout);
    BenchResult r;
    if (bench_run(&r, &cfg, &o) != 0)
        return 1;
    if (dist_rank() != 0) /* an MPI job: rank 0 prints */
        return 0;
    double efficiency = r.sgemm_gflops > 0 ? r.train_gflops / r.sgemm_gflops : 0.0;
    if (json) {
        /* gemm_gflops: the ceiling in the model's precision; sgemm_gflops, the
         * same number under its older name, for scripts written before bf16. */
        printf("{\"model\": \"%s\", \"precision\": \"%s\", \"batch\": %d, \"threads\": %d, "
               "\"images_per_s\": %.2f, \"ms_per_step\": %.3f, \"train_gflops\": %.3f, "
               "\"gemm_gflops\": %.3f, \"sgemm_gflops\": %.3f, \"efficiency\": %.4f, "
               "\"gemm_shape\": [%d, %d, %d], "
               "\"peak_rss_mib\": %.1f, \"sample_images_per_s\": %.2f, \"render_1024_s\": %.3f",
               cfg.name, r.bf16 ? "bf16" : "fp32", r.batch, r.threads, r.images_per_s,
               r.ms_per_step, r.train_gflops, r.sgemm_gflops, r.sgemm_gflops, efficiency,
               r.ceiling_m, r.ceiling_k, r.ceiling_n, r.peak_rss_mib, r.sample_images_per_s,
               r.render_1024_s);
        if (r.ranks > 0)
            printf(", \"ranks\": %d, \"images_per_rank\": %d, \"reduce_chunk\": %d, "
                   "\"reduce\": \"%s\", \"compute_ms\": %.3f, \"compute_ms_slowest\": %.3f, "
                   "\"reduction_ms\": %.3f",
                   r.ranks, r.share, r.chunk, r.exact ? "exact" : "fast", r.compute_ms,
                   r.compute_ms_slowest, r.reduce_ms);
        printf("}\n");
        return 0;
    }
    const char *per_rank = r.ranks > 0 ? " per rank" : ""; /* an MPI job: img/s is the job's */
    printf("model: %s  batch %d  pixels/image %d  threads %d  parameters %zu\n"
           "train: %.1f img/s  %.2f ms/step  %.2f GFLOP/s%s\n"
           "%s: %.2f GFLOP/s%s  ([%d, %d] x [%d, %d])\n"
           "efficiency: %.3f\n"
           "peak memory: %.1f MiB\n",
           cfg.name, r.batch, r.pixels, r.threads, r.parameters, r.images_per_s, r.ms_per_step,
           r.train_gflops, per_rank, r.bf16 ? "gemm (bf16, oneDNN)" : "sgemm", r.sgemm_gflops,
           per_rank, r.ceiling_m, r.ceiling_k, r.ceiling_k, r.ceiling_n, efficiency, r.peak_rss_mib);
    if (r.ranks > 0)
        printf("data-parallel: %d rank%s, %d images each per step in chunks of %d, reduce = %s\n"
               "per step: compute %.2f ms (slowest rank %.2f ms), reduction %.2f ms\n",
               r.ranks, r.ranks == 1 ? "" : "s", r.share, r.chunk, r.exact ? "exact" : "fast",
               r.compute_ms, r.compute_ms_slowest, r.reduce_ms);
    if (o.sample)
        printf("sample: %.1f img/s at %dx%d; one 1024x1024 render: %.3f s\n",
               r.sample_images_per_s, cfg.height, cfg.width, r.render_1024_s);
    return 0;
}
