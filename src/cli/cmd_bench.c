/* cmd_bench.c - `ffvae bench`: options, then bench_run (bench.c), then the
 * numbers as text or JSON. */
#include <stdio.h>

#include "bench.h"
#include "commands.h"
#include "options.h"
#include "sweep.h"
#include "util.h"

const char cmd_bench_usage[] =
    "usage: ffvae bench -m MODEL.ini [--batch B] [--steps N] [--threads T] [--set KEY=V]... [--json]\n"
    "\n"
    "Times N training steps (after 3 warm-up steps) on random images of the model's\n"
    "size and prints images/s, ms/step and GFLOP/s, next to a plain GEMM of the\n"
    "decoder's hidden-layer shape [B*P, W] x [W, W] with the same threads and the\n"
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
    "      --json         print one JSON object instead of text\n";

int cmd_bench(int argc, char **argv)
{
    const char *set_args[CONFIG_MAX_SETS];
    OptionList sets = {set_args, CONFIG_MAX_SETS, 0};
    const char *model_path = NULL;
    int batch = 0, json = 0;
    BenchOptions o = {20, 0, 0};
    const Option opts[] = {
        OPT_TEXT("model", 'm', &model_path),
        OPT_INT("batch", 0, &batch, 1, 1000000),
        OPT_LONG("steps", &o.steps, 1, MAX_STEPS),
        OPT_INT("threads", 0, &o.threads, 1, MAX_THREADS),
        OPT_LIST("set", 0, &sets),
        OPT_FLAG("sample", 0, &o.sample),
        OPT_FLAG("json", 0, &json),
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
    BenchResult r;
    if (bench_run(&r, &cfg, &o) != 0)
        return 1;
    double efficiency = r.sgemm_gflops > 0 ? r.train_gflops / r.sgemm_gflops : 0.0;
    if (json) {
        /* gemm_gflops: the ceiling in the model's precision; sgemm_gflops, the
         * same number under its older name, for scripts written before bf16. */
        printf("{\"model\": \"%s\", \"precision\": \"%s\", \"batch\": %d, \"threads\": %d, "
               "\"images_per_s\": %.2f, \"ms_per_step\": %.3f, \"train_gflops\": %.3f, "
               "\"gemm_gflops\": %.3f, \"sgemm_gflops\": %.3f, \"efficiency\": %.4f, "
               "\"peak_rss_mib\": %.1f, \"sample_images_per_s\": %.2f, \"render_1024_s\": %.3f}\n",
               cfg.name, r.bf16 ? "bf16" : "fp32", r.batch, r.threads, r.images_per_s,
               r.ms_per_step, r.train_gflops, r.sgemm_gflops, r.sgemm_gflops, efficiency,
               r.peak_rss_mib, r.sample_images_per_s, r.render_1024_s);
        return 0;
    }
    printf("model: %s  batch %d  pixels/image %d  threads %d  parameters %zu\n"
           "train: %.1f img/s  %.2f ms/step  %.2f GFLOP/s\n"
           "%s: %.2f GFLOP/s  ([%d, %d] x [%d, %d])\n"
           "efficiency: %.3f\n"
           "peak memory: %.1f MiB\n",
           cfg.name, r.batch, r.pixels, r.threads, r.parameters, r.images_per_s, r.ms_per_step,
           r.train_gflops, r.bf16 ? "gemm (bf16, oneDNN)" : "sgemm", r.sgemm_gflops, r.gemm_rows,
           cfg.net_width, cfg.net_width, cfg.net_width, efficiency, r.peak_rss_mib);
    if (o.sample)
        printf("sample: %.1f img/s at %dx%d; one 1024x1024 render: %.3f s\n",
               r.sample_images_per_s, cfg.height, cfg.width, r.render_1024_s);
    return 0;
}
