/* progress.h - how a long run (train, compare, fit) talks to the program that
 * started it: a Reporter receives what the run has to say, a StopControl lets
 * the program ask it to stop. The library prints nothing and installs no
 * signal handlers itself; `ffvae` supplies both (src/cli/console.c and
 * src/cli/stop_signals.c), a test passes NULL for a quiet run that never stops.
 *
 * Text, not numbers: the run formats its own lines, so every program shows the
 * same numbers in the same words and each format sits beside the quantities it
 * shows; the Reporter only decides where a line goes, or drops it. Two kinds:
 *   line    a finished line (a log row, a summary), given without its newline;
 *   status  the live line, each call replacing the last (a terminal's \r line);
 *           a NULL text ends it.
 * A Reporter without status asks for plain log rows instead (what a log file
 * or a pipe wants); with status, the live line stands in for them. */
#ifndef FFVAE_PROGRESS_H
#define FFVAE_PROGRESS_H

#include <signal.h>

#include "util.h"

typedef struct {
    void (*line)(void *ctx, const char *text);   /* NULL: lines are dropped */
    void (*status)(void *ctx, const char *text); /* NULL: no live line; text NULL ends it */
    void *ctx;
} Reporter;

/* A line through r (nothing when r or its line is NULL). */
void report_line(const Reporter *r, const char *fmt, ...) FFVAE_PRINTF(2, 3);
/* The live line through r (nothing without a status callback). */
void report_status(const Reporter *r, const char *fmt, ...) FFVAE_PRINTF(2, 3);
/* Ends the live line: what follows starts on a line of its own. */
void report_status_end(const Reporter *r);

/* 1 when r shows a live line (and so wants no plain log rows). */
static inline int report_is_live(const Reporter *r)
{
    return r && r->status;
}

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
