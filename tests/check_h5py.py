#!/usr/bin/python3
"""check_h5py.py - checks an imported IDX dataset from Python, independently of ffvae.

usage: check_h5py.py FILE.h5 IDX_DIR NAME N_TRAIN N_TEST [TRAIN0_LABEL TEST0_LABEL]

Reads FILE.h5 with h5py and the original IDX files (gzipped or not) with
gzip + numpy, and checks the root attributes, the dtypes, the shapes
(N, rows, cols, 1), the storage (chunked, shuffle + gzip), that every pixel
and label equals the IDX data, and optionally the first label of each split.
Exits non-zero on any mismatch (run with /usr/bin/python3, which has h5py).
"""
import gzip
import os
import sys

import h5py
import numpy as np

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("check_h5py: FAIL: " + what, file=sys.stderr)


def text(v):
    """A string attribute: ffvae's version 2 files hold fixed-length strings,
    which h5py reads as bytes (version 1 held variable-length ones: str)."""
    return v.decode("utf-8") if isinstance(v, bytes) else v


def read_idx(idx_dir, base):
    """An IDX file of unsigned bytes as a numpy array of its declared shape."""
    path = os.path.join(idx_dir, base + ".gz")
    opener = gzip.open
    if not os.path.exists(path):
        path, opener = os.path.join(idx_dir, base), open
    with opener(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
        sys.exit("check_h5py: %s: not an unsigned-byte IDX file" % path)
    ndims = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndims)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndims)
    return data[:int(np.prod(dims))].reshape(dims)


def check_split(f, idx_dir, split, prefix, n):
    images = read_idx(idx_dir, prefix + "-images-idx3-ubyte")[:n]
    labels = read_idx(idx_dir, prefix + "-labels-idx1-ubyte")[:n]
    rows, cols = images.shape[1], images.shape[2]
    ds = f["/%s/images" % split]
    check(ds.dtype == np.uint8, "/%s/images dtype is %s, not uint8" % (split, ds.dtype))
    check(ds.shape == (n, rows, cols, 1),
          "/%s/images shape is %s, not %s" % (split, ds.shape, (n, rows, cols, 1)))
    check(ds.chunks is not None and ds.shuffle and ds.compression == "gzip",
          "/%s/images is not chunked with shuffle + gzip" % split)
    lab = f["/%s/labels" % split]
    check(lab.dtype == np.int32, "/%s/labels dtype is %s, not int32" % (split, lab.dtype))
    check(lab.shape == (n,), "/%s/labels shape is %s, not (%d,)" % (split, lab.shape, n))
    if ds.shape == (n, rows, cols, 1) and lab.shape == (n,):
        got = ds[...]
        check(np.array_equal(got[..., 0], images), "/%s/images differ from the IDX data" % split)
        # One pixel spelled out, so a failure shows a number, not just "differ".
        r, c = rows // 2, cols // 2
        check(got[0, r, c, 0] == images[0, r, c],
              "/%s/images[0, %d, %d, 0] is %d, IDX says %d" % (split, r, c, got[0, r, c, 0],
                                                            images[0, r, c]))
        check(np.array_equal(lab[...], labels.astype(np.int32)),
              "/%s/labels differ from the IDX labels" % split)
    return lab


def main():
    if len(sys.argv) not in (6, 8):
        sys.exit(__doc__)
    path, idx_dir, name = sys.argv[1:4]
    n_train, n_test = int(sys.argv[4]), int(sys.argv[5])
    with h5py.File(path, "r") as f:
        a = f.attrs
        check(text(a.get("format")) == "ffvae-dataset", "format attribute is %r" % a.get("format"))
        check(a.get("version") == 2, "version attribute is %r" % a.get("version"))
        for key in ("format", "name", "source"):
            check(isinstance(a.get(key), bytes), "%s attribute is not a fixed-length string" % key)
        check(text(a.get("name")) == name, "name attribute is %r, not %r" % (a.get("name"), name))
        check(text(a.get("source")) == idx_dir, "source attribute is %r" % a.get("source"))
        train = check_split(f, idx_dir, "train", "train", n_train)
        test = check_split(f, idx_dir, "test", "t10k", n_test)
        if len(sys.argv) == 8:
            t0, s0 = int(sys.argv[6]), int(sys.argv[7])
            check(train[0] == t0, "train label 0 is %d, not %d" % (train[0], t0))
            check(test[0] == s0, "test label 0 is %d, not %d" % (test[0], s0))
    if failures:
        sys.exit("check_h5py: %s: %d check(s) failed" % (path, len(failures)))
    print("check_h5py: %s: ok" % path)


main()
