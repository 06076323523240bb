/* stop_signals.h - SIGINT and SIGTERM as a request to stop a run (`ffvae
 * train`, `ffvae compare`): while the run's loop is armed, either signal only
 * sets the flag, and the run saves its checkpoint and returns
 * TRAIN_INTERRUPTED; outside it, both keep their default action. */
#ifndef FFVAE_STOP_SIGNALS_H
#define FFVAE_STOP_SIGNALS_H

#include "progress.h"

/* The StopControl to pass down: arming clears the flag and installs the
 * handler for both signals; disarming restores their default actions. */
const StopControl *stop_on_signals(void);

#endif
