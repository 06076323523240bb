/* fuzz_h5.h - what the dataset, checkpoint and fonts harnesses share: which
 * of the two protections they fuzz. (The fonts importer runs stb_truetype
 * under the same child check, h5check_run_reader; read "libhdf5" below as
 * "stb_truetype" for it.)
 *
 * What the user gets is the child-process check (src/h5check.c): every
 * dataset or checkpoint load first runs in a forked child under limits, and
 * the parent reads the file only when the child read all of it cleanly. So
 * by default (FFVAE_FUZZ_CHILD_CHECK unset or 1) the harnesses run the
 * loaders exactly as `ffvae info` and `ffvae train -d` do, check included,
 * and what libFuzzer sees is the parent: a signal, an ASan report, a hang
 * (-timeout) or a runaway allocation (-malloc_limit_mb, -rss_limit_mb) in
 * the parent is a finding, i.e. something that reaches the user. A crash in
 * the child is contained, as it is for the user: the parent reports
 * "damaged or hostile HDF5 file" and the harness goes on. (The forked child
 * runs libFuzzer's crash and malloc hooks too, so a contained crash may
 * leave a crash-* or oom-* file of the child's: the replay points
 * -artifact_prefix at a scratch directory for that reason.) This mode is the
 * replay's, CI's and the guarantee's.
 *
 * Its weakness is guidance: coverage of the child's run is lost with the
 * child, so libFuzzer learns only from files that load. With
 * FFVAE_FUZZ_CHILD_CHECK=0 the loaders run in-process with no check, and
 * libFuzzer explores libhdf5's handling of damaged files directly; it then
 * finds libhdf5's own crashes (expected: the reason the check exists). The
 * campaign runs that mode with -fork=1 -ignore_crashes=1 -ignore_ooms=1
 * -ignore_timeouts=1 to collect them, then replays every one in the default
 * mode: each must end in a clean error there (tests/fuzz/README). */
#ifndef FFVAE_FUZZ_H5_H
#define FFVAE_FUZZ_H5_H

#include "fuzz_util.h"
#include "h5check.h"

/* The child check as the environment asks, with a CPU budget of 3 s (10 s by
 * default: these inputs are a few kB, and a hang should cost little). */
static void fuzz_h5_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    h5check_set_enabled(fuzz_env("FFVAE_FUZZ_CHILD_CHECK", 1) != 0);
    h5check_set_cpu_seconds(fuzz_env("FFVAE_FUZZ_CPU_SECONDS", 3));
}

#endif
