/* cmd_eval.c - `ffvae eval`: options and output for evaluate() (eval.c). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "eval.h"
#include "util.h"

const char cmd_eval_usage[] =
    "usage: ffvae eval CKPT -d DATA.h5 [--split test|train] [--json] [--limit N] [--seed S]\n"
    "                  [--spectra FILE] [-c CLASSIFIER.h5]\n"
    "\n"
    "Evaluates the model on a whole split (default test) and prints:\n"
    "  nelbo             negative ELBO per image in nats, one z sample per image\n"
    "                    (eps from --seed, so it is repeatable)\n"
    "  mse, psnr, ssim   reconstructions (mean image sigma(logits) of the posterior\n"
    "                    mean, not binarised) against the images; means over images\n"
    "  hf_ratio_recon    power above half Nyquist, reconstructions / data\n"
    "  hf_ratio_samples  the same for as many prior samples as images\n"
    "  psnr_sampled, hf_ratio_recon_sampled\n"
    "                    PSNR and HF ratio of reconstructions decoded from the\n"
    "                    neg-ELBO's sampled z = mu + sigma eps instead of mu\n"
    "  hf_error_ratio    error power (reconstruction - image) above half Nyquist /\n"
    "                    the data's power there (0 = exact)\n"
    "  laplacian_ratio_* Laplacian variance of reconstructions / samples over data's\n"
    "  lfd               log frequency distance (Focal Frequency Loss paper)\n"
    "  fid_samples, kid_samples, precision, recall, fid_recon\n"
    "                    in the classifier's features: prior samples (and\n"
    "                    reconstructions) against the split's images\n"
    "and writes the radially averaged power spectra of the data, reconstructions,\n"
    "samples and errors as CSV (bin,frequency,data,reconstructions,samples,error,\n"
    "relative_error).\n"
    "\n"
    "  -d, --data FILE     dataset (.h5)\n"
    "      --split NAME    test (default) or train\n"
    "      --json          print one JSON object; inf/NaN are written as null\n"
    "      --limit N       only the first N images of the split\n"
    "      --seed S        seed of the ELBO's z samples and of the prior samples (default 1)\n"
    "      --spectra FILE  where the CSV goes (default: spectra.csv next to CKPT)\n"
    "  -c, --classifier FILE  feature classifier (default: classifiers/NAME.h5, NAME\n"
    "                      the dataset's name, when it exists; make one with\n"
    "                      'ffvae classifier')\n";

int cmd_eval(int argc, char **argv)
{
    const char *data = NULL, *split = "test", *spectra = NULL, *classifier = NULL;
    int json = 0, limit = 0;
    uint64_t seed = 1;
    const Option opts[] = {
        OPT_TEXT("data", 'd', &data),
        OPT_TEXT("split", 0, &split),
        OPT_FLAG("json", 0, &json),
        OPT_INT("limit", 0, &limit, 1, MAX_COUNT),
        OPT_SEED("seed", &seed),
        OPT_TEXT("spectra", 0, &spectra),
        OPT_TEXT("classifier", 'c', &classifier),
        OPT_END};
    int argi = options_parse("eval", cmd_eval_usage, opts, argc, argv);
    if (argi < 0)
        return options_exit_status(argi);
    if (strcmp(split, "test") != 0 && strcmp(split, "train") != 0) {
        ffvae_error("eval: --split: expected test or train, got '%s'", split);
        return 2;
    }
    if (argi != argc - 1 || !data)
        return usage_error("eval", "CKPT and -d DATA are required");
    const char *ckpt = argv[argi];
    char csv[4096];
    if (spectra) {
        snprintf(csv, sizeof csv, "%s", spectra);
    } else {
        /* spectra.csv in the checkpoint's directory */
        const char *slash = strrchr(ckpt, '/');
        int dir_len = slash ? (int)(slash - ckpt) : 0;
        if (snprintf(csv, sizeof csv, "%.*s%sspectra.csv", dir_len, ckpt, slash ? "/" : "") >=
            (int)sizeof csv) {
            ffvae_error("eval: %s: path too long", ckpt);
            return 1;
        }
    }
    if (output_check(csv) != 0)
        return 1;

    EvalResult r;
    if (evaluate_checkpoint(&r, ckpt, data, strcmp(split, "train") == 0, limit, seed, csv,
                            classifier) != 0)
        return 1;
    if (r.note[0]) /* what was not measured, and how to get it */
        fprintf(stderr, "ffvae: eval: %s\n", r.note);
    if (json) {
        eval_print_json(stdout, &r);
    } else {
        printf("checkpoint  %s\n", ckpt);
        printf("split       %s of %s\n", split, data);
        eval_print_text(stdout, &r);
        printf("spectra     %s\n", csv);
    }
    eval_result_free(&r);
    return 0;
}
