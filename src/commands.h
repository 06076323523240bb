/* commands.h - the ffvae subcommands. Each takes the arguments after its own
 * name (argv[0] is the subcommand) and returns the process exit status. */
#ifndef FFVAE_COMMANDS_H
#define FFVAE_COMMANDS_H

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary; /* one line for `ffvae help` */
    const char *usage;   /* full text for `ffvae help CMD` */
} Command;

#endif
