/* import_mnist.h - builds a Dataset from MNIST-layout IDX files:
 * DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte, each optionally .gz (the
 * .gz is taken first). Images are [N, 28, 28, 1] as stored; labels as stored. */
#ifndef FFVAE_IMPORT_MNIST_H
#define FFVAE_IMPORT_MNIST_H

#include "dataset.h"

/* Debian's dataset-fashion-mnist puts the files here. */
#define FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* Fills d's splits (at most limit images each; limit < 0: all) and, with
 * fashion, Fashion-MNIST's label names. Name and source are the caller's.
 * Returns 0, or -1 after reporting a missing or malformed file. */
int import_mnist(Dataset *d, const char *dir, int fashion, long limit);

#endif
