/* plot.h - figures drawn by gnuplot (Debian's gnuplot-nox): ffvae writes the
 * data and a script next to the figure and runs gnuplot on the script, so
 * anyone can redraw or restyle a figure from what is kept. */
#ifndef FFVAE_PLOT_H
#define FFVAE_PLOT_H

/* Writes `script` (a gnuplot program whose output is the terminal set by the
 * caller, to the file named by the variable `out`) to script_path, runs
 * gnuplot with out = png_path's temporary name, and renames the PNG into place.
 * A missing gnuplot is an error naming the package to install. */
int plot_with_gnuplot(const char *script_path, const char *script, const char *png_path);

#endif
