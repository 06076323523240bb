/* h5check.c - a loader's first run, in a child process under limits (h5check.h). */
#include "h5check.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The child's exit status when the loader refused the file (and said why);
 * anything else but 0 is a crash: ASan, for one, exits 1 after its report. */
#define CHILD_REFUSED 3

/* AddressSanitizer, as gcc (__SANITIZE_ADDRESS__) and clang (__has_feature)
 * say it: its shadow memory rules out an address-space limit. */
#if defined(__SANITIZE_ADDRESS__)
#define FFVAE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FFVAE_ASAN 1
#endif
#endif

static int in_child;
static int forced = -1; /* h5check_set_enabled: -1 not set */
static long cpu_base = H5CHECK_CPU_SECONDS;

void h5check_set_cpu_seconds(long seconds)
{
    cpu_base = seconds > 0 ? seconds : H5CHECK_CPU_SECONDS;
}

int h5check_in_child(void)
{
    return in_child;
}

void h5check_set_enabled(int on)
{
    forced = on;
}

int h5check_enabled(void)
{
    if (forced >= 0)
        return forced;
    const char *env = getenv("FFVAE_CHILD_CHECK");
    return !(env && strcmp(env, "0") == 0);
}

#if !defined(FFVAE_ASAN) /* used only where an address-space limit is set */
/* The address space the process maps now, from /proc/self/statm (0 if unknown). */
static unsigned long long mapped_bytes(void)
{
    unsigned long long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return pages * (unsigned long long)sysconf(_SC_PAGESIZE);
}
#endif

/* In the child: the limits, then the loader; never returns. */
static void run_child(const char *path, H5CheckFn fn, void *arg, long cpu_seconds, pid_t parent)
{
    in_child = 1;
    /* A parent killed while waiting (Ctrl-C, timeout) takes the child with it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(CHILD_REFUSED);
    struct rlimit cpu = {(rlim_t)cpu_seconds, (rlim_t)cpu_seconds + 1};
    setrlimit(RLIMIT_CPU, &cpu);
#if !defined(FFVAE_ASAN)
    /* ASan's shadow memory is terabytes of address space: no such limit there. */
    unsigned long long have = mapped_bytes();
    if (have > 0) {
        struct rlimit as;
        if (getrlimit(RLIMIT_AS, &as) == 0) {
            rlim_t want = (rlim_t)(have + H5CHECK_MEMORY_BYTES);
            if (as.rlim_max == RLIM_INFINITY || want < as.rlim_max) {
                as.rlim_cur = want;
                setrlimit(RLIMIT_AS, &as);
            }
        }
    }
#endif
    int rc = fn(path, arg);
    fflush(stderr);
    _exit(rc == 0 ? 0 : CHILD_REFUSED); /* no atexit handlers: HDF5's would run twice */
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int h5check_run(const char *path, H5CheckFn fn, void *arg)
{
    return h5check_run_reader(path, fn, arg, "HDF5 file", "libhdf5");
}

int h5check_run_reader(const char *path, H5CheckFn fn, void *arg, const char *kind,
                       const char *reader)
{
    if (in_child || !h5check_enabled())
        return 0;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0; /* the loader itself reports a missing file or a directory */
    long cpu_seconds = cpu_base + (long)(st.st_size / H5CHECK_BYTES_PER_SECOND);
    double wall_limit = 4.0 * (double)cpu_seconds;

    fflush(stdout); /* or the child would write the parent's buffered output again */
    fflush(stderr);
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) {
        ffvae_error("%s: cannot start a process to check the file: %s", path, strerror(errno));
        return -1;
    }
    if (pid == 0)
        run_child(path, fn, arg, cpu_seconds, parent);

    /* Poll rather than wait for SIGCHLD: the library installs no signal
     * handlers. Short sleeps first, as a healthy check takes milliseconds. */
    double t0 = now_seconds();
    long nap = 1;
    int status = 0;
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR) {
            ffvae_error("%s: lost the process checking the file: %s", path, strerror(errno));
            return -1;
        }
        if (now_seconds() - t0 > wall_limit) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            ffvae_error("%s: damaged or hostile %s (reading it did not finish within %.0f s)",
                        path, kind, wall_limit);
            return -1;
        }
        sleep_ms(nap);
        if (nap < 20)
            nap *= 2;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_REFUSED)
        return -1; /* the child said why */
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGXCPU)
            ffvae_error("%s: damaged or hostile %s (reading it took more than %ld s of CPU "
                        "time)", path, kind, cpu_seconds);
        else if (sig == SIGKILL)
            ffvae_error("%s: damaged or hostile %s (the process reading it was killed: over "
                        "its CPU time or out of memory)", path, kind);
        else
            ffvae_error("%s: damaged or hostile %s (%s crashed reading it: %s)", path, kind,
                        reader, strsignal(sig));
    } else {
        ffvae_error("%s: damaged or hostile %s (the process reading it exited with status %d)",
                    path, kind, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    return -1;
}
