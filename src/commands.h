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

/* ffvae import fashion-mnist|mnist|images ... (cmd_import.c) */
int cmd_import(int argc, char **argv);
extern const char cmd_import_usage[];
/* ffvae info FILE.h5 (cmd_info.c) */
int cmd_info(int argc, char **argv);
extern const char cmd_info_usage[];
/* ffvae train (cmd_train.c) */
int cmd_train(int argc, char **argv);
extern const char cmd_train_usage[];
/* ffvae bench (cmd_bench.c) */
int cmd_bench(int argc, char **argv);
extern const char cmd_bench_usage[];

/* ffvae fit (cmd_fit.c) */
int cmd_fit(int argc, char **argv);
extern const char cmd_fit_usage[];

#endif
