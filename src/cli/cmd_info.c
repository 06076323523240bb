/* cmd_info.c - `ffvae info FILE.h5`: summarises a dataset or a checkpoint
 * (info.c). */
#include <stdio.h>

#include "commands.h"
#include "info.h"
#include "options.h"

const char cmd_info_usage[] =
    "usage: ffvae info FILE.h5\n"
    "\n"
    "Summarises an ffvae file. For a dataset: its name and source, each split's\n"
    "image count and shape, and the number of images per label.\n";

int cmd_info(int argc, char **argv)
{
    const Option opts[] = {OPT_END};
    int argi = options_parse("info", cmd_info_usage, opts, argc, argv);
    if (argi < 0)
        return options_exit_status(argi);
    if (argc - argi != 1)
        return usage_error("info", "expected one FILE.h5");
    return file_info(stdout, argv[argi]) == 0 ? 0 : 1;
}
