#!/usr/bin/python3
"""glyph_sheet.py - one face's glyphs from an `ffvae import fonts` dataset,
tiled into one grey PNG (white on black, as the dataset stores them), for the
single-image fit (`ffvae fit SHEET.png --size 256 --holdout ...`).

    /usr/bin/python3 data/glyph_sheet.py data/glyphs.h5 --face "DejaVu Sans Book" -o sheet.png
    /usr/bin/python3 data/glyph_sheet.py data/glyphs.h5 --list          # faces, glyph counts

The glyphs go in label order (A-Z a-z 0-9 for the default set), row by row,
--cols per row (default 8: 62 glyphs make 8 rows, the last two cells black),
each at the dataset's size, so a 64x64 dataset gives a 512x512 sheet. A face
is named as in /faces/names ("family style") or by its index there."""
import argparse
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from png import write_png  # noqa: E402


def face_names(f):
    return f["faces/names"][()].decode().split("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--face", help="face name or index into /faces/names")
    ap.add_argument("--cols", type=int, default=8)
    ap.add_argument("--list", action="store_true", help="print index, split, glyphs, name")
    ap.add_argument("-o", "--out")
    a = ap.parse_args()
    with h5py.File(a.data, "r") as f:
        if "faces" not in f:
            sys.exit("%s: no /faces: not a dataset made by 'ffvae import fonts'" % a.data)
        names = face_names(f)
        splits = {s: (f[s + "/faces"][()], f[s + "/labels"][()]) for s in ("train", "test")}
        if a.list:
            for i, name in enumerate(names):
                for s, (faces, _) in splits.items():
                    n = int(np.count_nonzero(faces == i))
                    if n:
                        print("%d\t%s\t%d\t%s" % (i, s, n, name))
            return
        if a.face is None or not a.out:
            sys.exit("glyph_sheet.py: --face and -o are needed (or --list)")
        index = int(a.face) if a.face.isdigit() else (names.index(a.face) if a.face in names else -1)
        if not 0 <= index < len(names):
            sys.exit("%s: no face %r in /faces/names (--list shows them)" % (a.data, a.face))
        for s, (faces, labels) in splits.items():
            rows = np.flatnonzero(faces == index)
            if rows.size:
                glyphs = f[s + "/images"][rows[0]:rows[-1] + 1][rows - rows[0]]
                order = np.argsort(labels[rows], kind="stable")
                glyphs = glyphs[order, :, :, 0]
                break
        else:
            sys.exit("%s: face %r has no glyphs" % (a.data, names[index]))
    n, size = glyphs.shape[0], glyphs.shape[1]
    cols = min(a.cols, n)
    rows_n = -(-n // cols)
    sheet = np.zeros((rows_n * size, cols * size), np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        sheet[r * size:(r + 1) * size, c * size:(c + 1) * size] = glyphs[k]
    write_png(a.out, sheet)
    print("%s: %d glyphs of %s (%s split), %dx%d" % (a.out, n, names[index], s, sheet.shape[1],
                                                     sheet.shape[0]))


if __name__ == "__main__":
    main()
