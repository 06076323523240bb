#!/usr/bin/python3
"""Independent reference for ffvae's loss and gradients, written with PyTorch.

Builds small VAEs the way one would in PyTorch (float64, autograd, the latent
added to the first layer by broadcasting), with inputs, noise, frequencies and
weights drawn here, and writes them with the expected loss and every gradient
to tests/reference/torch_reference.h5. test_reference.c loads that file, runs
ffvae's own forward and backward on the same inputs, and compares.

Regenerate (needs Debian's python3-torch and python3-h5py):
    /usr/bin/python3 tests/torch_reference.py tests/reference/torch_reference.h5
The committed file means the test suite itself never needs PyTorch.

Layout of the file, one group per case:
  /<case>/config          the model's INI text (parsed by ffvae)
  /<case>/images          uint8 [B, H, W, C]
  /<case>/eps             float32 [B, latent]
  /<case>/encoding_B      float32 [F, 2] (coordinate decoders with frequencies)
  /<case>/params/<name>   float32 [rows, cols], ffvae's tensor names and shapes
  /<case>/grads/<name>    float32 [rows, cols], d loss / d param (computed in float64)
  /<case>/expected        float32 [3]: loss, recon, kl; loss = recon/B + beta*kl/B
"""
import math
import sys

import h5py
import numpy as np
import torch

torch.set_default_dtype(torch.float64)

CASES = {
    # name: (decoder, encoding, features, activation, conditioning, likelihood, channels)
    "coord_gaussian_relu_input": ("coord", "gaussian", 6, "relu", "input", "bernoulli", 1),
    "coord_basic_sine_film_rgb": ("coord", "basic", 2, "sine", "film", "gaussian", 3),
    "coord_none_relu_film": ("coord", "none", 0, "relu", "film", "bernoulli", 1),
    "coord_basic_relu_film_rgb": ("coord", "basic", 2, "relu", "film", "bernoulli", 3),
    "dense_relu": ("dense", "none", 0, "relu", "input", "bernoulli", 1),
}
H, W, LATENT, ENC_HIDDEN, WIDTH, DEPTH, BATCH = 5, 4, 3, [7, 6], 8, 3, 2
BETA, SIGMA, OMEGA0 = 0.8, 0.25, 2.0


def config_text(decoder, encoding, features, activation, conditioning, likelihood, channels):
    lines = [
        "[data]", f"height = {H}", f"width = {W}", f"channels = {channels}",
        "[latent]", f"size = {LATENT}", f"beta = {BETA}",
        "[likelihood]", f"kind = {likelihood}", f"sigma = {SIGMA}",
        "[encoder]", "hidden = " + ", ".join(map(str, ENC_HIDDEN)),
        "[decoder]", f"kind = {decoder}", f"conditioning = {conditioning}",
        "[encoding]", f"kind = {encoding}",
    ]
    if encoding == "gaussian":
        lines += [f"features = {features}", "sigma = 2"]
    lines += ["[network]", f"width = {WIDTH}", f"depth = {DEPTH}", f"activation = {activation}",
              f"omega0 = {OMEGA0}"]
    return "\n".join(lines) + "\n"


def make_case(rng, decoder, encoding, features, activation, conditioning, likelihood, C):
    P = H * W
    params = {}  # name -> float32 numpy array [rows, cols], in ffvae's order

    def tensor(name, rows, cols, scale):
        params[name] = (scale * rng.standard_normal((rows, cols))).astype(np.float32)

    def dense(name, n_in, n_out):
        tensor(name + ".W", n_in, n_out, 1.0 / math.sqrt(n_in))
        tensor(name + ".b", 1, n_out, 0.1)

    n_in = P * C
    for k, h in enumerate(ENC_HIDDEN):
        dense(f"encoder.{k}", n_in, h)
        n_in = h
    dense("encoder.mu", n_in, LATENT)
    dense("encoder.logvar", n_in, LATENT)

    F = {"none": 0, "basic": 2, "gaussian": features}[encoding]
    E = 2 if encoding == "none" else 2 * F
    if decoder == "coord":
        tensor("decoder.0.Wx", E, WIDTH, 1.0 / math.sqrt(E + LATENT))
        tensor("decoder.0.Wz", LATENT, WIDTH, 1.0 / math.sqrt(E + LATENT))
        tensor("decoder.0.b", 1, WIDTH, 0.1)
        for k in range(1, DEPTH):
            dense(f"decoder.{k}", WIDTH, WIDTH)
            if conditioning == "film":
                dense(f"decoder.{k}.film", LATENT, WIDTH)
        dense("decoder.out", WIDTH, C)
    else:
        for k in range(DEPTH):
            dense(f"decoder.{k}", LATENT if k == 0 else WIDTH, WIDTH)
        dense("decoder.out", WIDTH, P * C)

    images = rng.integers(0, 256, size=(BATCH, H, W, C), dtype=np.uint8)
    eps = rng.standard_normal((BATCH, LATENT)).astype(np.float32)
    if encoding == "basic":
        freqs = np.array([[1, 0], [0, 1]], dtype=np.float32)
    elif encoding == "gaussian":
        freqs = (2.0 * rng.standard_normal((F, 2))).astype(np.float32)
    else:
        freqs = None

    # ---- the model in PyTorch ----
    t = {k: torch.tensor(v.astype(np.float64), requires_grad=True) for k, v in params.items()}
    x = torch.tensor(images.reshape(BATCH, P * C) / 255.0)
    act = (lambda a: torch.sin(OMEGA0 * a)) if activation == "sine" else torch.relu

    h = x
    for k in range(len(ENC_HIDDEN)):
        h = torch.relu(h @ t[f"encoder.{k}.W"] + t[f"encoder.{k}.b"])
    mu = h @ t["encoder.mu.W"] + t["encoder.mu.b"]
    logvar = h @ t["encoder.logvar.W"] + t["encoder.logvar.b"]
    z = mu + torch.exp(0.5 * logvar) * torch.tensor(eps.astype(np.float64))

    if decoder == "coord":
        jj, ii = np.meshgrid(np.arange(W), np.arange(H))  # pixel p = i*W + j
        v = torch.tensor(np.stack([(jj.ravel() + 0.5) / W, (ii.ravel() + 0.5) / H], 1))
        if freqs is None:
            gamma = 2 * v - 1
        else:
            arg = 2 * math.pi * v @ torch.tensor(freqs.astype(np.float64)).T
            gamma = torch.cat([torch.sin(arg), torch.cos(arg)], 1)
        pre = (gamma @ t["decoder.0.Wx"])[None, :, :] + (z @ t["decoder.0.Wz"] + t["decoder.0.b"])[:, None, :]
        h = act(pre)  # [B, P, W]
        for k in range(1, DEPTH):
            pre = h @ t[f"decoder.{k}.W"] + t[f"decoder.{k}.b"]
            if conditioning == "film":
                pre = pre + (z @ t[f"decoder.{k}.film.W"] + t[f"decoder.{k}.film.b"])[:, None, :]
            h = act(pre)
        logits = (h @ t["decoder.out.W"] + t["decoder.out.b"]).reshape(BATCH, P * C)
    else:
        h = z
        for k in range(DEPTH):
            h = act(h @ t[f"decoder.{k}.W"] + t[f"decoder.{k}.b"])
        logits = h @ t["decoder.out.W"] + t["decoder.out.b"]

    if likelihood == "bernoulli":
        recon = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    else:
        mean = torch.sigmoid(logits)
        recon = ((x - mean) ** 2 / (2 * SIGMA ** 2) + 0.5 * math.log(2 * math.pi * SIGMA ** 2)).sum()
    kl = 0.5 * (mu ** 2 + torch.exp(logvar) - 1 - logvar).sum()
    loss = recon / BATCH + BETA * kl / BATCH
    loss.backward()
    grads = {k: v.grad.numpy() for k, v in t.items()}
    return params, grads, images, eps, freqs, float(loss), float(recon), float(kl)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/reference/torch_reference.h5"
    rng = np.random.default_rng(20261127)
    with h5py.File(out, "w") as f:
        f.attrs["format"] = "ffvae-torch-reference"
        f.attrs["torch_version"] = str(torch.__version__)
        for name, spec in CASES.items():
            params, grads, images, eps, freqs, loss, recon, kl = make_case(rng, *spec)
            g = f.create_group(name)
            g.create_dataset("config", data=config_text(*spec))
            g.create_dataset("images", data=images)
            g.create_dataset("eps", data=eps)
            if freqs is not None:
                g.create_dataset("encoding_B", data=freqs)
            for k, v in params.items():
                g.create_dataset(f"params/{k}", data=v)
                g.create_dataset(f"grads/{k}", data=grads[k].astype(np.float32))
            g.create_dataset("expected", data=np.array([loss, recon, kl], dtype=np.float32))
            print(f"{name}: loss {loss:.6f} (recon {recon:.4f}, kl {kl:.4f}), {len(params)} tensors")


if __name__ == "__main__":
    main()
