/* plot.c - running gnuplot on a kept script. */
#include "plot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "util.h"

int plot_with_gnuplot(const char *script_path, const char *script, const char *png_path)
{
    OutputFile png;
    if (write_file_atomic(script_path, script) != 0 || output_begin(&png, png_path, 1) != 0)
        return -1;
    /* Paths are passed through the environment, not the shell's parser. */
    char command[256];
    snprintf(command, sizeof command,
             "gnuplot -e \"out='$FFVAE_PLOT_OUT'\" \"$FFVAE_PLOT_SCRIPT\" 2>&1");
    setenv("FFVAE_PLOT_OUT", png.tmp_path, 1);
    setenv("FFVAE_PLOT_SCRIPT", script_path, 1);
    FILE *p = popen(command, "r");
    char line[512], first[512] = "";
    while (p && fgets(line, sizeof line, p))
        if (!first[0])
            snprintf(first, sizeof first, "%s", line);
    int status = p ? pclose(p) : -1;
    unsetenv("FFVAE_PLOT_OUT");
    unsetenv("FFVAE_PLOT_SCRIPT");
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        first[strcspn(first, "\n")] = '\0';
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            ffvae_error("%s: gnuplot not found (Debian: apt-get install gnuplot-nox)", png_path);
        else
            ffvae_error("%s: gnuplot failed on %s: %s", png_path, script_path, first);
        output_abort(&png);
        return -1;
    }
    return output_commit(&png);
}
