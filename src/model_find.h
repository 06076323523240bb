/* model_find.h - which file a model argument names (train -m, fit -m, bench -m
 * and compare's operands all reach it through config_load).
 *
 * An argument that holds a '/' or ends in ".ini" is a path, used as given.
 * Anything else is a model NAME, looked up in order as
 *   ./models/NAME.ini                  a checkout's or a project's own models
 *   FFVAE_MODELS_DIR/NAME.ini          the installed reference models,
 *                                      $(pkgdatadir)/models, fixed at build time
 * and the first that exists is the model's file. Its base name is NAME, so the
 * model's default name is the same either way. */
#ifndef FFVAE_MODEL_FIND_H
#define FFVAE_MODEL_FIND_H

#include <stddef.h>

/* Room for a found path. */
#define MODEL_PATH_MAX 4096

/* 1 when arg is a NAME to look up (not empty, no '/', no ".ini" ending), else 0. */
int model_is_name(const char *arg);

/* The installed models directory compiled into the program. */
const char *model_installed_dir(void);

/* Writes the file arg names into path (size bytes): arg itself when it is a
 * path, else the first existing NAME.ini of the places above. Returns 0, or -1
 * after reporting every place it looked:
 *   ffvae: model 'x' not found; looked in ./models/x.ini and /usr/share/ffvae/models/x.ini */
int model_find(const char *arg, char *path, size_t size);

/* The same over the directories dirs[0..n_dirs-1], in that order (for tests). */
int model_find_in(const char *arg, const char *const *dirs, int n_dirs, char *path,
                  size_t size);

#endif
