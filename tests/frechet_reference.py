#!/usr/bin/python3
"""Independent reference for ffvae's FID, KID, precision/recall, Laplacian
variance and LFD, written with numpy and scipy (scipy.linalg.sqrtm for FID's
matrix square root, the general route ffvae does not take).

Draws two fixed feature sets with different means and covariances, a real-like
and a shifted one, and a few small images, and writes them with the expected
numbers to tests/reference/frechet_reference.h5. test_frechet.c loads the file
and compares ffvae's own results to 1e-3 relative (FID, KID) or exactly
(precision and recall are shares of whole points).

Regenerate (needs Debian's python3-scipy, python3-numpy, python3-h5py):
    /usr/bin/python3 tests/frechet_reference.py tests/reference/frechet_reference.h5
The committed file means the test suite itself never needs scipy.

Layout:
  /x, /y            float64 [n, d], [m, d]   two feature sets
  /fid              float64 [1]  FID(x, y), scipy.linalg.sqrtm(Σx Σy)
  /mmd2             float64 [1]  unbiased MMD², kernel (xᵀy/d + 1)³, all rows
  /precision_recall float64 [2]  Kynkäänniemi et al. 2019, k = 3, y against real x
  /images_a, /images_b float32 [N, H, W, C] in [0, 1]
  /laplacian_var    float64 [N]  of images_a, per image
  /lfd              float64 [N]  of (images_b, images_a), as the FFL paper's code
"""
import sys

import h5py
import numpy as np
import scipy.linalg
import scipy.signal


def fid(x, y):
    mx, my = x.mean(0), y.mean(0)
    sx, sy = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean, _ = scipy.linalg.sqrtm(sx @ sy, disp=False)
    covmean = covmean.real
    return float(((mx - my) ** 2).sum() + np.trace(sx) + np.trace(sy) - 2 * np.trace(covmean))


def mmd2_unbiased(x, y):
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    n, m = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (n * (n - 1))
                 + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean())


def radii(x, k):
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    return np.sort(d, axis=1)[:, k]  # column 0 is the point itself


def precision_recall(real, fake, k=3):
    rr, rf = radii(real, k), radii(fake, k)
    d = np.sqrt(((fake[:, None, :] - real[None, :, :]) ** 2).sum(-1))  # [m, n]
    precision = float((d <= rr[None, :]).any(1).mean())
    recall = float((d.T <= rf[None, :]).any(1).mean())
    return precision, recall


def laplacian_var(img):
    kernel = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], float)
    v = [scipy.signal.correlate2d(img[..., c], kernel, mode="valid").var()
         for c in range(img.shape[2])]
    return float(np.mean(v))


def lfd(fake, real):
    # metrics/metric_utils.py of the Focal Frequency Loss code: [0, 255], fft2 per channel.
    f1 = np.fft.fft2(fake.transpose(2, 0, 1) * 255.0)
    f2 = np.fft.fft2(real.transpose(2, 0, 1) * 255.0)
    return float(np.log(np.mean((f1.real - f2.real) ** 2 + (f1.imag - f2.imag) ** 2) + 1.0))


def main(path):
    rng = np.random.default_rng(16)
    d, n, m = 12, 300, 240
    a = rng.normal(size=(d, d)) / np.sqrt(d)
    x = rng.normal(size=(n, d)) @ a + 0.5
    b = a + 0.3 * rng.normal(size=(d, d)) / np.sqrt(d)
    y = 1.2 * rng.normal(size=(m, d)) @ b + 0.8
    images_a = rng.uniform(size=(4, 9, 7, 2)).astype(np.float32)
    images_b = np.clip(images_a + 0.1 * rng.normal(size=images_a.shape), 0, 1).astype(np.float32)
    with h5py.File(path, "w") as f:
        f["x"], f["y"] = x, y
        f["fid"] = [fid(x, y)]
        f["mmd2"] = [mmd2_unbiased(x, y)]
        f["precision_recall"] = list(precision_recall(x, y))
        f["images_a"], f["images_b"] = images_a, images_b
        ia, ib = images_a.astype(float), images_b.astype(float)
        f["laplacian_var"] = [laplacian_var(i) for i in ia]
        f["lfd"] = [lfd(fb, fa) for fa, fb in zip(ia, ib)]
    print(path, "fid", fid(x, y), "mmd2", mmd2_unbiased(x, y), "pr", precision_recall(x, y))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/reference/frechet_reference.h5")
