/* cmd_classifier.c - `ffvae classifier`: options for classifier_train. */
#include <stdio.h>

#include "classifier.h"
#include "commands.h"
#include "console.h"
#include "options.h"
#include "sizes.h"
#include "util.h"

const char cmd_classifier_usage[] =
    "usage: ffvae classifier -d DATA.h5 -o CLASSIFIER.h5 [options]\n"
    "\n"
    "Trains the feature classifier that FID, KID and precision/recall use ('ffvae\n"
    "score', 'ffvae eval', 'ffvae compare'): an MLP over the pixels scaled to [0, 1]\n"
    "(hidden ReLU layer, then the feature layer fc2, then the classes), trained on\n"
    "the train split's labels by Adam with softmax cross-entropy. Prints the test\n"
    "accuracy. The same seed gives the same classifier. 'ffvae eval' and 'compare'\n"
    "look for classifiers/NAME.h5 (NAME the dataset's name) by default.\n"
    "\n"
    "  -d, --data FILE     dataset (.h5) with labels\n"
    "  -o, --out FILE      classifier file to write (replaced atomically)\n"
    "      --epochs E      passes over the training images (default 12)\n"
    "      --seed S        initialisation and order (default 1)\n"
    "      --hidden N      width of the hidden layer (default 256)\n"
    "      --features D    width of the feature layer (default 128); FID needs more\n"
    "                      images than D\n"
    "      --limit N       train on the first N training images only\n"
    "      --threads T     threads (default: all cores)\n"
    "      --json          print the result as one JSON object\n";

int cmd_classifier(int argc, char **argv)
{
    ClassifierOptions o = {.seed = 1};
    int json = 0;
    const Option opts[] = {
        OPT_TEXT("data", 'd', &o.data_path),
        OPT_TEXT("out", 'o', &o.out_path),
        OPT_INT("epochs", 0, &o.epochs, 1, 10000),
        OPT_SEED("seed", &o.seed),
        OPT_INT("hidden", 0, &o.hidden, 1, MAX_LAYER_WIDTH),
        OPT_INT("features", 0, &o.features, 1, MAX_LAYER_WIDTH),
        OPT_INT("limit", 0, &o.limit, 1, MAX_COUNT),
        OPT_INT("threads", 0, &o.threads, 1, MAX_THREADS),
        OPT_FLAG("json", 0, &json),
        OPT_END};
    int argi = options_parse("classifier", cmd_classifier_usage, opts, argc, argv);
    if (argi < 0)
        return options_exit_status(argi);
    if (argi != argc || !o.data_path || !o.out_path)
        return usage_error("classifier", "-d DATA and -o CLASSIFIER.h5 are required");
    Reporter console = console_reporter();
    if (!json)
        o.report = &console;
    Classifier c;
    double start = now_seconds();
    if (classifier_train(&c, &o) != 0)
        return 1;
    double seconds = now_seconds() - start;
    if (json)
        printf("{\"test_accuracy\": %.6f, \"epochs\": %ld, \"features\": %d, \"seconds\": %.1f, "
               "\"dataset\": \"%s\"}\n",
               c.test_accuracy, c.epochs, c.features, seconds, c.dataset);
    else
        printf("classifier  %s\ndataset     %s (%dx%dx%d, %d classes)\ntest accuracy %.4f\n"
               "features    %d (layer %s)\ntime        %.1f s\n",
               o.out_path, c.dataset, c.H, c.W, c.C, c.classes, c.test_accuracy, c.features,
               CLASSIFIER_FEATURE_LAYER, seconds);
    classifier_free(&c);
    return 0;
}
