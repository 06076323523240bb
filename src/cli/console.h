/* console.h - the Reporter the commands give a long run: its lines on stdout
 * and, when stderr is a terminal, its live status line on stderr, rewritten in
 * place with \r (otherwise the run reports plain log lines instead). */
#ifndef FFVAE_CONSOLE_H
#define FFVAE_CONSOLE_H

#include "progress.h"

/* The console reporter (it needs no context, so a copy is as good as any). */
Reporter console_reporter(void);

#endif
