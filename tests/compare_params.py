#!/usr/bin/python3
"""compare_params.py - compares two ffvae checkpoints' /params with h5py.

usage: compare_params.py A.h5 B.h5 [REL_TOL]

Without REL_TOL every tensor must be byte-identical; with it, the largest
absolute difference over all tensors, relative to the largest |parameter|, must
not pass REL_TOL. Prints the relative difference; exits 1 on a mismatch.
"""
import sys

import h5py
import numpy as np

a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
tol = float(sys.argv[3]) if len(sys.argv) > 3 else None
names_a, names_b = sorted(a["params"]), sorted(b["params"])
if names_a != names_b:
    print("different tensors: %s / %s" % (names_a, names_b))
    sys.exit(1)
diff = scale = 0.0
identical = True
for k in names_a:
    x, y = a["params"][k][()], b["params"][k][()]
    if x.shape != y.shape or x.dtype != y.dtype:
        print("%s: %s %s against %s %s" % (k, x.shape, x.dtype, y.shape, y.dtype))
        sys.exit(1)
    identical &= x.tobytes() == y.tobytes()
    diff = max(diff, float(np.abs(x.astype(np.float64) - y).max()))
    scale = max(scale, float(np.abs(x).max()))
rel = diff / scale if scale > 0 else diff
print("params: %s, max relative difference %.3g" % ("identical" if identical else "differ", rel))
sys.exit(0 if (identical if tol is None else rel <= tol) else 1)
