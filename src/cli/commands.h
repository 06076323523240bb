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

/* ffvae sample (cmd_sample.c) */
int cmd_sample(int argc, char **argv);
extern const char cmd_sample_usage[];
/* ffvae interp (cmd_interp.c) */
int cmd_interp(int argc, char **argv);
extern const char cmd_interp_usage[];
/* ffvae recon (cmd_recon.c) */
int cmd_recon(int argc, char **argv);
extern const char cmd_recon_usage[];
/* ffvae eval (cmd_eval.c) */
int cmd_eval(int argc, char **argv);
extern const char cmd_eval_usage[];

/* ffvae compare (cmd_compare.c) */
int cmd_compare(int argc, char **argv);
extern const char cmd_compare_usage[];
/* ffvae fit (cmd_fit.c) */
int cmd_fit(int argc, char **argv);
extern const char cmd_fit_usage[];

/* ffvae classifier (cmd_classifier.c) */
int cmd_classifier(int argc, char **argv);
extern const char cmd_classifier_usage[];
/* ffvae score (cmd_score.c) */
int cmd_score(int argc, char **argv);
extern const char cmd_score_usage[];

#endif
