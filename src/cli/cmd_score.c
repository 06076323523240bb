/* cmd_score.c - `ffvae score`: options and output for score_run (score.c). */
#include <stdio.h>

#include "commands.h"
#include "options.h"
#include "score.h"
#include "util.h"

const char cmd_score_usage[] =
    "usage: ffvae score A B -c CLASSIFIER.h5 [--json] [--limit N] [--paired] [--seed S]\n"
    "\n"
    "Compares image set B with the reference set A. Each is a dataset split,\n"
    "FILE.h5:test or FILE.h5:train (FILE.h5 alone: its test split), or a sample\n"
    "file from 'ffvae sample -o X.h5'. In the classifier's features:\n"
    "  FID         Frechet distance of the two fitted Gaussians (0 = same)\n"
    "  KID         unbiased MMD^2, kernel (x.y/d + 1)^3, mean and sd over 100\n"
    "              subsets of 1000 (0 = same)\n"
    "  precision   share of B inside A's k = 3 nearest-neighbour manifold\n"
    "  recall      share of A inside B's\n"
    "and in the images: the HF ratio (B's power above half Nyquist / A's) and the\n"
    "Laplacian variance ratio. With --paired (B[i] is an estimate of A[i]) also the\n"
    "HF error ratio (error power above half Nyquist / A's power), LFD and MSE.\n"
    "\n"
    "  -c, --classifier FILE  from 'ffvae classifier' (of A's dataset and shape)\n"
    "      --json             print one JSON object; inf/NaN are written as null\n"
    "      --limit N          the first N images of each set\n"
    "      --paired           B[i] against A[i] as well (same number of images)\n"
    "      --seed S           seed of KID's subsets (default 1)\n";

int cmd_score(int argc, char **argv)
{
    ScoreOptions o = {.seed = 1};
    int json = 0;
    const Option opts[] = {
        OPT_TEXT("classifier", 'c', &o.classifier),
        OPT_FLAG("json", 0, &json),
        OPT_INT("limit", 0, &o.limit, 1, MAX_COUNT),
        OPT_FLAG("paired", 0, &o.paired),
        OPT_SEED("seed", &o.seed),
        OPT_END};
    int argi = options_parse("score", cmd_score_usage, opts, argc, argv);
    if (argi < 0)
        return options_exit_status(argi);
    if (argi != argc - 2 || !o.classifier)
        return usage_error("score", "two image sets A B and -c CLASSIFIER are required");
    o.a = argv[argi];
    o.b = argv[argi + 1];
    ScoreResult r;
    if (score_run(&r, &o) != 0)
        return 1;
    if (json)
        score_print_json(stdout, &r);
    else
        score_print_text(stdout, &r, &o);
    return 0;
}
