#!/usr/bin/python3
"""sample_rows.py - one figure from several `ffvae sample ... -o FILE.h5` files:
a row per file, its first --count images side by side, every image enlarged by
pixel replication to the largest size among the files (so a 64x64 dense
decoder's samples sit beside a coordinate decoder's 256x256 renders at the same
scale, and its pixels show). Rows are separated by a grey band.

    /usr/bin/python3 data/sample_rows.py fourier-256.h5 dense-64.h5 -o figure.png [--count 8]"""
import argparse
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from png import write_png  # noqa: E402

GAP = 4      # pixels between images and between rows
GREY = 128


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()
    sets = []
    for path in a.files:
        with h5py.File(path, "r") as f:
            if "test/images" not in f:
                sys.exit("%s: no /test/images: not a sample file of 'ffvae sample -o X.h5'" % path)
            images = f["test/images"][:a.count]
        if images.shape[0] < a.count or images.shape[1] != images.shape[2]:
            sys.exit("%s: %d square images needed, found shape %s" % (path, a.count, images.shape))
        sets.append(images)
    size = max(s.shape[1] for s in sets)
    channels = max(s.shape[3] for s in sets)
    for path, s in zip(a.files, sets):
        if size % s.shape[1]:
            sys.exit("%s: size %d does not divide the largest, %d" % (path, s.shape[1], size))
    w = a.count * size + (a.count + 1) * GAP
    h = len(sets) * size + (len(sets) + 1) * GAP
    fig = np.full((h, w, channels), GREY, np.uint8)
    for r, s in enumerate(sets):
        k = size // s.shape[1]
        big = s.repeat(k, axis=1).repeat(k, axis=2)
        if big.shape[3] != channels:
            big = big.repeat(channels, axis=3)  # grey beside RGB
        y = GAP + r * (size + GAP)
        for i in range(a.count):
            x = GAP + i * (size + GAP)
            fig[y:y + size, x:x + size] = big[i]
    write_png(a.out, fig[:, :, 0] if channels == 1 else fig)
    print("%s: %d rows of %d images at %dx%d" % (a.out, len(sets), a.count, size, size))


if __name__ == "__main__":
    main()
