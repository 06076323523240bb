/* checkpoint.h - the training state and its HDF5 checkpoint (README.md,
 * "Checkpoint file"):
 *   /             attrs format="ffvae-checkpoint", version, step, epoch,
 *                 program_version, seed, target_steps, dataset, adam_t
 *   /config       the model's resolved INI text
 *   /encoding/B   float32 [F, 2] (absent when the model has no frequencies)
 *   /params/<tensor>, /optim/m/<tensor>, /optim/v/<tensor>   float32 [rows, cols]
 *   /rng          uint64 [2] (state, stream) of the training stream
 *   /log/step int64 [n], /log/epoch, /log/loss, /log/reconstruction, /log/kl,
 *   /log/seconds, /log/focal_frequency float32 [n]: the training curve, as in
 *                 log.csv (focal_frequency is absent from older files: read as 0)
 *   /log          attr "pending": running sums (loss, recon, kl, steps, ffl) of
 *                 the unfinished log interval, so a resumed run logs the same
 *                 rows (older files have no ffl sum: read as 0)
 * Strings (attributes and /config) are fixed-length from version 2 on.
 * Saved atomically (temporary file, flush, rename); every object's shape and
 * type is checked on load. */
#ifndef FFVAE_CHECKPOINT_H
#define FFVAE_CHECKPOINT_H

#include <stdint.h>

#include "model.h"
#include "rng.h"

#define CHECKPOINT_FORMAT "ffvae-checkpoint"
#define CHECKPOINT_VERSION 2 /* 2: fixed-length strings; 1 (read too): variable-length */

/* The running sums a log row averages, in the order the checkpoint's
 * "pending" attribute stores them (files before the ffl column hold 4). */
typedef enum {
    PENDING_LOSS,
    PENDING_RECON,
    PENDING_KL,
    PENDING_STEPS, /* how many steps the sums hold */
    PENDING_FFL,
    PENDING_SLOTS
} PendingSlot;

typedef struct {
    long step;
    float epoch, loss, recon, kl, seconds;
    float ffl; /* the focal frequency loss term per image, outside the ELBO; 0 when off */
} LogRow;

typedef struct {
    long step;          /* steps done */
    long target_steps;  /* the run's budget */
    uint64_t seed;
    Rng rng;            /* the training stream (ε, pixel draws) */
    char dataset[256];  /* name of the dataset trained on */
    double epoch;       /* epochs done (fractional) */
    double seconds;     /* training time so far */
    double pending[PENDING_SLOTS]; /* running sums since the last log row, by PendingSlot */
    LogRow *log;        /* [n_log] */
    long n_log, cap_log;
} TrainState;

int train_state_append_log(TrainState *s, const LogRow *row);
void train_state_free(TrainState *s);

/* Writes model (parameters, Adam moments, frequencies, config) and state. */
int checkpoint_save(const char *path, const Model *m, const TrainState *s);
/* Creates *m from the stored config and fills it and *s; s may be NULL to
 * load only the model. Refuses a file that does not match, naming what. */
int checkpoint_load(const char *path, Model *m, TrainState *s);

#endif
