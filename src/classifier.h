/* classifier.h - the in-domain feature network behind FID, KID and
 * precision/recall (frechet.h): an MLP over the pixels, trained on the
 * dataset's own labels, whose fixed feature layer stands in for Inception's
 * pool3 (Inception is not available offline, and 28x28 grey images are not
 * what it was trained on).
 *
 * Network (x = the image's pixels / 255 in [0, 1], flattened H·W·C in the
 * file's [H, W, C] order):
 *     h1       = relu(x · fc1.W + fc1.b)        [N, hidden]
 *     features = h1 · fc2.W + fc2.b             [N, features]  <- layer "fc2"
 *     logits   = relu(features) · out.W + out.b [N, classes]
 * trained with softmax cross-entropy by Adam. The features are fc2's
 * pre-activation: unlike the ReLU's output, no dimension is stuck at zero, so
 * the covariance FID fits has no empty directions from dead units.
 *
 * File (HDF5, README "Classifier file"):
 *   /  attrs format = "ffvae-classifier", version = 1, dataset (name),
 *            height, width, channels, classes, hidden, features,
 *            feature_layer = "fc2", epochs, seed
 *   /params/fc1.W float32 [H·W·C, hidden]   /params/fc1.b float32 [1, hidden]
 *   /params/fc2.W float32 [hidden, features] /params/fc2.b [1, features]
 *   /params/out.W float32 [features, classes] /params/out.b [1, classes]
 *   /test_accuracy float32 [1]   the share of test images classified right */
#ifndef FFVAE_CLASSIFIER_H
#define FFVAE_CLASSIFIER_H

#include <stdint.h>

#include "progress.h"
#include "tensor_table.h"

#define CLASSIFIER_FORMAT "ffvae-classifier"
#define CLASSIFIER_VERSION 1
#define CLASSIFIER_FEATURE_LAYER "fc2"
#define CLASSIFIER_HIDDEN 256
#define CLASSIFIER_FEATURES 128
#define CLASSIFIER_EPOCHS 12
#define CLASSIFIER_BATCH 128
/* Where `ffvae eval` and `compare` look for a dataset's classifier: NAME.h5 in it. */
#define CLASSIFIER_DEFAULT_DIR "classifiers"

typedef struct {
    char dataset[256];       /* the dataset's name attribute */
    int H, W, C;             /* its image shape */
    int in, hidden, features, classes;
    long epochs;
    uint64_t seed;
    double test_accuracy;
    TensorTable tab;         /* fc1.W fc1.b fc2.W fc2.b out.W out.b */
    float *params;           /* [tab.total] */
} Classifier;

typedef struct {
    const char *data_path;
    const char *out_path;
    int epochs;             /* 0: CLASSIFIER_EPOCHS */
    int hidden, features;   /* 0: the defaults above */
    uint64_t seed;
    int threads;            /* 0: all cores */
    int limit;              /* > 0: only the first N training images (tests) */
    const Reporter *report; /* one line per epoch; NULL: quiet */
} ClassifierOptions;

/* Trains on the train split's labels, measures accuracy on the test split,
 * writes o->out_path atomically (creating its directory) and fills *c with
 * the trained network (free with classifier_free). 0, or -1 after reporting. */
int classifier_train(Classifier *c, const ClassifierOptions *o);

int classifier_save(const Classifier *c, const char *path);
/* Reads and checks every attribute and shape; refuses a foreign file naming
 * what it lacks. */
int classifier_load(Classifier *c, const char *path);
void classifier_free(Classifier *c);

/* Refuses images the classifier was not trained for: "PATH: a classifier of
 * DATASET (HxWxC images) cannot score WHAT: NAME, hxwxc images". name may be
 * NULL (only the shape is checked) or "" (unknown). */
int classifier_check(const Classifier *c, const char *path, const char *what, const char *name,
                     int H, int W, int C);

/* feat[n, features] (double) of uint8 images [n, H, W, C] read as v / 255,
 * or of float images in [0, 1]. -1 (reported) on allocation failure. */
int classifier_features_u8(const Classifier *c, double *feat, const uint8_t *images, int n);
int classifier_features_f32(const Classifier *c, double *feat, const float *images, int n);

/* "classifiers/NAME.h5" into buf; -1 (reported) when it does not fit. */
int classifier_default_path(char *buf, size_t size, const char *dataset_name);

#endif
