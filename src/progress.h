/* progress.h - how a long run (train, compare) is asked to stop by the
 * program that started it. The library installs no signal handlers itself;
 * `ffvae` supplies a StopControl (src/cli/stop_signals.c), a test passes NULL
 * for a run that never stops early. */
#ifndef FFVAE_PROGRESS_H
#define FFVAE_PROGRESS_H

#include <signal.h>

/* A request to stop, polled between steps. A signal handler can only set a
 * flag, so that is the interface: *requested non-zero asks the run to stop at
 * its next step (saving what it must). arm and disarm (either may be NULL)
 * bracket the part of the run that honours the request, so the program can
 * catch signals there and leave their default action (terminate) everywhere
 * else, where nothing would poll the flag. */
typedef struct {
    volatile sig_atomic_t *requested;
    void (*arm)(void);
    void (*disarm)(void);
} StopControl;

/* 1 when s asks to stop (never with s NULL). */
static inline int stop_requested(const StopControl *s)
{
    return s && s->requested && *s->requested;
}

static inline void stop_arm(const StopControl *s)
{
    if (s && s->arm)
        s->arm();
}

static inline void stop_disarm(const StopControl *s)
{
    if (s && s->disarm)
        s->disarm();
}

#endif
