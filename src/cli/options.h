/* options.h - one parser for every command's options: each command lists its
 * options in a table (name, kind, where the value goes, allowed range), and
 * options_parse checks them all the same way, with messages in one format:
 *   ffvae: CMD: --OPT: expected a whole number from LO to HI, got 'ARG'
 * Every command also accepts --help (and -h), which prints its usage. */
#ifndef FFVAE_CLI_OPTIONS_H
#define FFVAE_CLI_OPTIONS_H

#include <limits.h>
#include <stdint.h>

#include "render.h"

/* Named limits, so each bound is written once. */
#define MAX_THREADS 1024         /* --threads: far above any machine's cores */
#define MAX_STEPS 100000000L     /* --steps: 10⁸ steps is years of training */
#define MAX_COUNT INT_MAX        /* --count, --limit, --eval-images */
#define MAX_SEED LONG_MAX        /* --seed: 0 .. 2⁶³ − 1 */
#define MAX_SCALE 64             /* --scale: pixel replication of grid cells */
#define MAX_IMAGE_SIZE 4096      /* --size of imported or fitted images */
#define MAX_IMAGE_PIXELS 2000000000L /* --max-pixels: 2·10⁹, 8 GB of decoded RGBA */
#define MAX_RENDER_SIZE RENDER_MAX_SIZE /* --size of rendered images */

typedef enum {
    OPTION_FLAG,   /* int *: set to 1 */
    OPTION_TEXT,   /* const char **: the argument as given */
    OPTION_LIST,   /* OptionList *: each occurrence, up to its capacity */
    OPTION_INT,    /* int *: a whole number in [lo, hi] */
    OPTION_LONG,   /* long *: a whole number in [lo, hi] */
    OPTION_SEED,   /* uint64_t *: a whole number in [0, MAX_SEED] */
    OPTION_NUMBER, /* double *: a number in the range lo..hi (ends per `open`) */
} OptionKind;

/* Which ends of an OPTION_NUMBER range are excluded. */
enum { OPEN_LO = 1, OPEN_HI = 2 };

typedef struct {
    const char **values; /* [capacity] */
    int capacity, n;
} OptionList;

typedef struct {
    const char *name; /* long name, without "--"; NULL ends the table */
    char letter;      /* short name, or 0 */
    OptionKind kind;
    void *value;      /* where the value goes, typed by kind */
    double lo, hi;    /* OPTION_INT, OPTION_LONG, OPTION_NUMBER */
    int open;         /* OPTION_NUMBER: OPEN_LO | OPEN_HI */
    int *given;       /* if not NULL, set to 1 when the option appears */
} Option;

/* Table rows, one macro a kind (designated, so unused fields are zero). */
#define OPT_FLAG(n_, l_, dst) {.name = n_, .letter = l_, .kind = OPTION_FLAG, .value = dst}
#define OPT_TEXT(n_, l_, dst) {.name = n_, .letter = l_, .kind = OPTION_TEXT, .value = dst}
#define OPT_LIST(n_, l_, list) {.name = n_, .letter = l_, .kind = OPTION_LIST, .value = list}
#define OPT_SEED(n_, dst) {.name = n_, .kind = OPTION_SEED, .value = dst}
#define OPT_INT(n_, l_, dst, lo_, hi_) \
    {.name = n_, .letter = l_, .kind = OPTION_INT, .value = dst, .lo = lo_, .hi = hi_}
#define OPT_LONG(n_, dst, lo_, hi_) {.name = n_, .kind = OPTION_LONG, .value = dst, .lo = lo_, .hi = hi_}
#define OPT_NUMBER(n_, dst, lo_, hi_, open_) \
    {.name = n_, .kind = OPTION_NUMBER, .value = dst, .lo = lo_, .hi = hi_, .open = open_}
#define OPT_END {.name = NULL}

/* What options_parse returns besides an operand index. */
enum { OPTIONS_HELP = -1, OPTIONS_BAD = -2 };

/* Parses the options of argv (argv[0] is the command's name, cmd) against
 * the table. Returns the index of the first operand; OPTIONS_HELP after
 * printing usage to stdout for --help; OPTIONS_BAD after a message. Options
 * and operands may be mixed (GNU getopt permutes argv). */
int options_parse(const char *cmd, const char *usage, const Option *opts, int argc, char **argv);

/* The exit status for OPTIONS_HELP (0) or OPTIONS_BAD (2). */
static inline int options_exit_status(int parsed)
{
    return parsed == OPTIONS_HELP ? 0 : 2;
}

/* Reports a usage error as "ffvae: CMD: <message> (see 'ffvae help CMD')"
 * and returns the exit status 2, for checks between operands. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
