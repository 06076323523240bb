#!/usr/bin/python3
"""bench_table.py - the README's performance table: every setting timed with
`ffvae bench` and with tests/torch_bench.py (the same model in PyTorch), one
after the other, printed as a markdown table.

    /usr/bin/python3 tests/bench_table.py [--ffvae build/ffvae] [--steps 10] [--repeat 3]
        [--precision fp32,bf16] [--settings 0,4]

Needs Debian's python3-torch. Each row runs ffvae and PyTorch alternately,
--repeat times each, and every cell is the median over the repeats: on a
shared virtual machine the speed of the cores drifts by 10-20% from minute
to minute, and alternating and taking medians keeps the comparison fair.
Every setting runs once per precision, each against PyTorch at the same
precision: fp32 against plain PyTorch, bf16 (`--set precision=bf16`) against
PyTorch under torch.autocast (torch_bench.py --bf16). The GEMM column is the
same-run ceiling in that precision (cblas_sgemm, or oneDNN's bf16 matmul).
Run it on an otherwise idle machine.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "models")

# (label, threads, ffvae --set options, torch_bench options[, model]); torch options
# None: no PyTorch run; the model is bench.ini unless a row names another
SETTINGS = [
    ("width 256 (bench.ini)", 2, [], []),
    ("width 128", 2, ["width=128"], ["--width", "128"]),
    ("width 512", 2, ["width=512"], ["--width", "512"]),
    ("width 256, sine", 2, ["activation=sine"], ["--activation", "sine"]),
    ("width 256 (bench.ini)", 1, [], []),
    ("width 128", 1, ["width=128"], ["--width", "128"]),
    ("width 512", 1, ["width=512"], ["--width", "512"]),
    ("width 256, sine", 1, ["activation=sine"], ["--activation", "sine"]),
    ("width 256, `pixels = 196`", 2, ["pixels=196"], None),
    # the convolutional decoder and encoder (issue 21), at their reference sizes
    ("fmnist-conv (28², conv decoder)", 2, [], [], "fmnist-conv.ini"),
    ("glyphs-conv (64², conv decoder)", 2, [], [], "glyphs-conv.ini"),
]


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ffvae", default=os.path.join(HERE, "..", "build", "ffvae"))
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--precision", default="fp32,bf16", help="comma list: fp32, bf16")
    p.add_argument("--settings", help="comma list of row numbers of SETTINGS (default: all)")
    a = p.parse_args()
    settings = SETTINGS if not a.settings else [SETTINGS[int(i)] for i in a.settings.split(",")]
    print("| setting | precision | threads | ffvae img/s | PyTorch img/s | ffvae ÷ PyTorch "
          "| ffvae GFLOP/s | GEMM GFLOP/s | efficiency | ffvae MiB | PyTorch MiB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = [(p_, *row) for row in settings for p_ in a.precision.split(",")]
    for precision, label, threads, sets, torch_opts, *model_file in rows:
        model = os.path.join(MODELS, model_file[0] if model_file else "bench.ini")
        cmd = [a.ffvae, "bench", "-m", model, "--steps", str(a.steps), "--threads", str(threads),
               "--json", "--set", "precision=" + precision]
        for s in sets:
            cmd += ["--set", s]
        if torch_opts is not None and precision == "bf16":
            torch_opts = torch_opts + ["--bf16"]
        runs, torch_runs = [], []
        for _ in range(a.repeat):
            runs.append(run_json(cmd))
            if torch_opts is not None:
                torch_runs.append(run_json(
                    [sys.executable, os.path.join(HERE, "torch_bench.py"), model, "--steps",
                     str(a.steps), "--threads", str(threads), "--json"] + torch_opts))
        f = {k: statistics.median(r[k] for r in runs) for k in
             ("images_per_s", "train_gflops", "gemm_gflops", "efficiency", "peak_rss_mib")}
        if torch_opts is None:
            t_ips, ratio, t_mib = "—", "—", "—"
        else:
            t = {k: statistics.median(r[k] for r in torch_runs) for k in
                 ("images_per_s", "peak_rss_mib")}
            t_ips = "%.1f" % t["images_per_s"]
            ratio = "%.2f" % (f["images_per_s"] / t["images_per_s"])
            t_mib = "%.0f" % t["peak_rss_mib"]
        print("| %s | %s | %d | %.1f | %s | %s | %.1f | %.1f | %.2f | %.0f | %s |" % (
            label, precision, threads, f["images_per_s"], t_ips, ratio, f["train_gflops"],
            f["gemm_gflops"], f["efficiency"], f["peak_rss_mib"], t_mib), flush=True)


if __name__ == "__main__":
    main()
