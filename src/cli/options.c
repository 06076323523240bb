/* options.c - the table-driven option parser of every command (options.h). */
#include "options.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* Room for every command's table plus --help. */
#define MAX_OPTIONS 32
/* getopt_long's code for option i of the table (above any letter). */
#define OPTION_CODE(i) (256 + (i))
#define HELP_CODE 255

int usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ffvae_error("%s: %s (see 'ffvae help %s')", cmd, msg, cmd);
    return 2;
}

static int whole_number(const char *cmd, const Option *o, const char *arg, long *v)
{
    /* (long)(double)LONG_MAX overflows, so the top of the range is clamped. */
    long lo = (long)o->lo, hi = o->hi >= (double)LONG_MAX ? LONG_MAX : (long)o->hi;
    if (o->kind == OPTION_SEED)
        lo = 0, hi = MAX_SEED;
    if (parse_long(arg, v) == 0 && *v >= lo && *v <= hi)
        return 0;
    ffvae_error("%s: --%s: expected a whole number from %ld to %ld, got '%s'", cmd, o->name, lo,
                hi, arg);
    return -1;
}

static int number(const char *cmd, const Option *o, const char *arg, double *v)
{
    float f;
    int ok = parse_float(arg, &f) == 0 && isfinite(f);
    double lo = o->lo, hi = o->hi;
    if (ok)
        ok = ((o->open & OPEN_LO) ? f > lo : f >= lo) && ((o->open & OPEN_HI) ? f < hi : f <= hi);
    if (ok) {
        *v = f;
        return 0;
    }
    if (isinf(hi) && lo == 0 && (o->open & OPEN_LO))
        ffvae_error("%s: --%s: expected a positive number, got '%s'", cmd, o->name, arg);
    else
        ffvae_error("%s: --%s: expected a number in %c%g, %g%c, got '%s'", cmd, o->name,
                    (o->open & OPEN_LO) ? '(' : '[', lo, hi, (o->open & OPEN_HI) ? ')' : ']', arg);
    return -1;
}

/* Stores one option's argument; -1 after a message. */
static int store(const char *cmd, const Option *o, const char *arg)
{
    long v;
    double d;
    if (o->given)
        *o->given = 1;
    switch (o->kind) {
    case OPTION_FLAG: *(int *)o->value = 1; return 0;
    case OPTION_TEXT: *(const char **)o->value = arg; return 0;
    case OPTION_LIST: {
        OptionList *l = o->value;
        if (l->n == l->capacity) {
            ffvae_error("%s: --%s: more than %d given", cmd, o->name, l->capacity);
            return -1;
        }
        l->values[l->n++] = arg;
        return 0;
    }
    case OPTION_INT:
    case OPTION_LONG:
    case OPTION_SEED:
        if (whole_number(cmd, o, arg, &v) != 0)
            return -1;
        if (o->kind == OPTION_INT)
            *(int *)o->value = (int)v;
        else if (o->kind == OPTION_LONG)
            *(long *)o->value = v;
        else
            *(uint64_t *)o->value = (uint64_t)v;
        return 0;
    case OPTION_NUMBER:
        if (number(cmd, o, arg, &d) != 0)
            return -1;
        *(double *)o->value = d;
        return 0;
    }
    return -1;
}

/* The option getopt stopped at: a long one as typed (without "=value"), a
 * short one from optopt. */
static void option_as_typed(char *buf, size_t size, char **argv)
{
    const char *arg = argv[optind - 1];
    if (strncmp(arg, "--", 2) == 0)
        snprintf(buf, size, "%.*s", (int)strcspn(arg, "="), arg);
    else
        snprintf(buf, size, "-%c", optopt);
}

int options_parse(const char *cmd, const char *usage, const Option *opts, int argc, char **argv)
{
    struct option longs[MAX_OPTIONS + 2];
    char shorts[3 * MAX_OPTIONS + 4] = ":h"; /* ':' first: a missing value returns ':' */
    size_t ns = strlen(shorts);
    int n = 0;
    for (; opts[n].name; n++) {
        if (n == MAX_OPTIONS) {
            ffvae_error("%s: more than %d options in its table", cmd, MAX_OPTIONS);
            return OPTIONS_BAD;
        }
        int has_arg = opts[n].kind == OPTION_FLAG ? no_argument : required_argument;
        longs[n] = (struct option){opts[n].name, has_arg, NULL, OPTION_CODE(n)};
        if (opts[n].letter) {
            shorts[ns++] = opts[n].letter;
            if (has_arg == required_argument)
                shorts[ns++] = ':';
        }
    }
    shorts[ns] = '\0';
    longs[n] = (struct option){"help", no_argument, NULL, HELP_CODE};
    longs[n + 1] = (struct option){NULL, 0, NULL, 0};

    optind = 1; /* argv[0] is the command; getopt may have run before */
    opterr = 0; /* our own messages, in the ffvae format */
    int c;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        char typed[256];
        const Option *o = NULL;
        if (c >= OPTION_CODE(0) && c < OPTION_CODE(n))
            o = &opts[c - OPTION_CODE(0)];
        for (int i = 0; i < n && !o; i++)
            if (opts[i].letter && c == opts[i].letter)
                o = &opts[i];
        if (o) {
            if (store(cmd, o, optarg) != 0)
                return OPTIONS_BAD;
        } else if (c == HELP_CODE || c == 'h') {
            fputs(usage, stdout);
            return OPTIONS_HELP;
        } else if (c == ':') {
            option_as_typed(typed, sizeof typed, argv);
            usage_error(cmd, "option '%s' needs a value", typed);
            return OPTIONS_BAD;
        } else {
            option_as_typed(typed, sizeof typed, argv);
            usage_error(cmd, "unknown option '%s'", typed);
            return OPTIONS_BAD;
        }
    }
    return optind;
}
