/* main.c - the ffvae program: finds the subcommand and runs it. */
#include "commands.h"
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "distributed.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const Command commands[] = {
    {"help", cmd_help, "show help for ffvae or one command", "usage: ffvae help [COMMAND]\n"},
    {"import", cmd_import, "make a dataset file from (Fashion-)MNIST or an image folder",
     cmd_import_usage},
    {"info", cmd_info, "summarise a dataset or checkpoint file", cmd_info_usage},
    {"train", cmd_train, "train a model on a dataset into a run directory", cmd_train_usage},
    {"sample", cmd_sample, "decode prior samples into a PNG grid, at any size", cmd_sample_usage},
    {"interp", cmd_interp, "interpolate between two images' latents (or prior draws)",
     cmd_interp_usage},
    {"recon", cmd_recon, "test images beside their reconstructions", cmd_recon_usage},
    {"eval", cmd_eval, "negative ELBO, PSNR, SSIM and blur spectra on a split", cmd_eval_usage},
    {"classifier", cmd_classifier, "train the in-domain feature classifier behind FID/KID",
     cmd_classifier_usage},
    {"score", cmd_score, "FID, KID, precision/recall and spectra of two image sets",
     cmd_score_usage},
    {"compare", cmd_compare, "train several models and report which decoder is sharpest",
     cmd_compare_usage},
    {"fit", cmd_fit, "fit one image with a coordinate network (Fourier features)",
     cmd_fit_usage},
    {"bench", cmd_bench, "measure training speed against the SGEMM ceiling", cmd_bench_usage},
    {"version", cmd_version, "print the program version", "usage: ffvae version\n"},
};
static const int n_commands = (int)(sizeof commands / sizeof commands[0]);

static const Command *find_command(const char *name)
{
    for (int i = 0; i < n_commands; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void print_overview(FILE *f)
{
    fprintf(f, "ffvae %s - VAEs with coordinate (Fourier-feature) decoders\n\n"
               "usage: ffvae COMMAND [ARGS]\n\ncommands:\n", PACKAGE_VERSION);
    for (int i = 0; i < n_commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'ffvae help COMMAND' shows a command's options.\n");
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return 0;
    }
    const Command *c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "ffvae: help: unknown command '%s'\n", argv[1]);
        return 2;
    }
    fputs(c->usage, stdout);
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("ffvae %s\n", PACKAGE_VERSION);
    return 0;
}

/* The commands that run as one rank of an MPI job; the others refuse more than one. */
static int runs_data_parallel(const char *name)
{
    static const char *const parallel[] = {"train", "compare", "fit", "bench"};
    for (size_t i = 0; i < sizeof parallel / sizeof parallel[0]; i++)
        if (strcmp(name, parallel[i]) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(1, argv + 1);
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(1, argv + 1);
    const Command *c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "ffvae: unknown command '%s' (see 'ffvae help')\n", argv[1]);
        return 2;
    }
    /* Under mpirun (a --with-mpi build) the program is one rank of a job. */
    if (dist_init(&argc, &argv) != 0)
        return 1;
    if (dist_size() > 1 && !runs_data_parallel(c->name)) {
        if (dist_rank() == 0)
            fprintf(stderr, "ffvae: %s runs on one process; train, compare, fit and bench run "
                            "data-parallel (start it without mpirun, or with -np 1)\n", c->name);
        dist_finalize();
        return 2;
    }
    int rc = c->run(argc - 1, argv + 1);
    /* A failed rank ends the job (the others may be waiting for it); a run
     * that ended or stopped together leaves it cleanly. */
    if (dist_active() && rc != 0 && rc != 130)
        dist_abort(rc);
    dist_finalize();
    return rc;
}
