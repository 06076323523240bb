/* stop_signals.c - SIGINT/SIGTERM stop a run at its next step (see stop_signals.h). */
#include "stop_signals.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* A fresh flag per run: compare arms once per run it trains. */
static void arm(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Back to the default actions: outside a run's loop a signal ends the
 * program at once, since nothing would poll the flag there. */
static void disarm(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

const StopControl *stop_on_signals(void)
{
    static const StopControl control = {&stop_signal, arm, disarm};
    return &control;
}
