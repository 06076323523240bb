#!/usr/bin/python3
"""Independent reference for ffvae's loss and gradients, written with PyTorch.

Builds small VAEs the way one would in PyTorch (float64, autograd, the latent
added to the first layer by broadcasting; the conv cases with nn.functional's
conv2d and conv_transpose2d, the layers of nn.Conv2d and nn.ConvTranspose2d), with inputs, noise, frequencies and
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
                          (the knob cases: the objective, see KNOB_CASES)
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
# Convolutional cases (appended after CASES, so the random draws of the cases
# above stay what they were): 8x8 images, a decoder of 2 transposed
# convolutions from a 2x2x4 start map (4 -> 2 -> C channels), and either the
# MLP encoder or 2 stride-2 convolutions (8 -> 4 -> 2, channels 2 -> 4).
CONV_CASES = {
    # name: (encoder, likelihood, channels)
    "conv_decoder": ("mlp", "bernoulli", 1),
    "conv_encoder_conv_decoder_rgb": ("conv", "gaussian", 3),
}
CONV_H = CONV_W = 8
CONV_DEPTH, CONV_CHANNELS, CONV_ENC_DEPTH, CONV_ENC_CHANNELS, K = 2, 4, 2, 2, 4
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


def vae_objective(likelihood, params, t, logits, x, mu, logvar, images, eps, freqs):
    """The plain cases' loss (Bernoulli or fixed-sigma Gaussian, KL, beta) and every
    gradient by autograd, in make_case's return layout."""
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


def make_case(rng, decoder, encoding, features, activation, conditioning, likelihood, C,
              knobs=None, latent_omega=None):
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
        if latent_omega is None:
            pre = (gamma @ t["decoder.0.Wx"])[None, :, :] + (z @ t["decoder.0.Wz"] + t["decoder.0.b"])[:, None, :]
            h = act(pre)  # [B, P, W]
        else:  # SIREN_CASES: omega0 on the coordinates' share and the bias, latent_omega on z's
            coords = (gamma @ t["decoder.0.Wx"] + t["decoder.0.b"])[None, :, :]
            latent = (z @ t["decoder.0.Wz"])[:, None, :]
            h = torch.sin(OMEGA0 * coords + latent_omega * latent)  # [B, P, W]
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

    if knobs is not None:  # the knob cases (KNOB_CASES, below)
        return knob_objective(rng, knobs, params, t, logits, x, mu, logvar, H, W, C, images, eps,
                              freqs)
    return vae_objective(likelihood, params, t, logits, x, mu, logvar, images, eps, freqs)


def conv_config_text(encoder, likelihood, channels):
    lines = [
        "[data]", f"height = {CONV_H}", f"width = {CONV_W}", f"channels = {channels}",
        "[latent]", f"size = {LATENT}", f"beta = {BETA}",
        "[likelihood]", f"kind = {likelihood}", f"sigma = {SIGMA}",
        "[encoder]", f"kind = {encoder}", "hidden = " + ", ".join(map(str, ENC_HIDDEN)),
        f"channels = {CONV_ENC_CHANNELS}", f"depth = {CONV_ENC_DEPTH}",
        "[decoder]", "kind = conv", f"channels = {CONV_CHANNELS}",
        "[network]", f"depth = {CONV_DEPTH}", "activation = relu",
    ]
    return "\n".join(lines) + "\n"


# ffvae's conv layers are NHWC with weights as matrices (src/conv.h):
#   conv2d            W[(kh*K + kw)*Cin + ci, co]  = torch Conv2d weight[co, ci, kh, kw]
#   conv2d_transpose  W[ci, (kh*K + kw)*Cout + co] = torch ConvTranspose2d weight[ci, co, kh, kw]
# so the torch weights are views of ffvae's tensors, and autograd's gradients
# land on ffvae's layout directly.
def torch_conv_weight(Wm, cin, cout):
    return Wm.reshape(K, K, cin, cout).permute(3, 2, 0, 1)


def torch_conv_transpose_weight(Wm, cin, cout):
    return Wm.reshape(cin, K, K, cout).permute(0, 3, 1, 2)


def make_conv_case(rng, encoder, likelihood, C, knobs=None):
    P = CONV_H * CONV_W
    params = {}

    def tensor(name, rows, cols, scale):
        params[name] = (scale * rng.standard_normal((rows, cols))).astype(np.float32)

    def dense(name, n_in, n_out):
        tensor(name + ".W", n_in, n_out, 1.0 / math.sqrt(n_in))
        tensor(name + ".b", 1, n_out, 0.1)

    enc_shapes = []  # (cin, cout) per encoder convolution
    if encoder == "conv":
        cin, size = C, CONV_H
        for k in range(CONV_ENC_DEPTH):
            cout = CONV_ENC_CHANNELS << k
            tensor(f"encoder.{k}.W", K * K * cin, cout, 1.0 / math.sqrt(K * K * cin))
            tensor(f"encoder.{k}.b", 1, cout, 0.1)
            enc_shapes.append((cin, cout))
            cin, size = cout, size // 2
        n_in = size * size * cin
    else:
        n_in = P * C
        for k, h in enumerate(ENC_HIDDEN):
            dense(f"encoder.{k}", n_in, h)
            n_in = h
    dense("encoder.mu", n_in, LATENT)
    dense("encoder.logvar", n_in, LATENT)

    h0 = CONV_H >> CONV_DEPTH
    dense("decoder.0", LATENT, h0 * h0 * CONV_CHANNELS)
    dec_shapes = []
    cin = CONV_CHANNELS
    for j in range(1, CONV_DEPTH + 1):
        cout = C if j == CONV_DEPTH else CONV_CHANNELS >> j
        name = "decoder.out" if j == CONV_DEPTH else f"decoder.{j}"
        tensor(name + ".W", cin, K * K * cout, 1.0 / math.sqrt(4 * cin))
        tensor(name + ".b", 1, cout, 0.1)
        dec_shapes.append((name, cin, cout))
        cin = cout

    images = rng.integers(0, 256, size=(BATCH, CONV_H, CONV_W, C), dtype=np.uint8)
    eps = rng.standard_normal((BATCH, LATENT)).astype(np.float32)

    t = {k: torch.tensor(v.astype(np.float64), requires_grad=True) for k, v in params.items()}
    x_nhwc = torch.tensor(images / 255.0)
    x = x_nhwc.reshape(BATCH, P * C)
    nn = torch.nn.functional
    if encoder == "conv":
        h = x_nhwc.permute(0, 3, 1, 2)  # NCHW for torch
        for k, (ci, co) in enumerate(enc_shapes):
            w = torch_conv_weight(t[f"encoder.{k}.W"], ci, co)
            h = torch.relu(nn.conv2d(h, w, t[f"encoder.{k}.b"].reshape(-1), stride=2, padding=1))
        h = h.permute(0, 2, 3, 1).reshape(BATCH, -1)  # flattened NHWC, as ffvae's
    else:
        h = x
        for k in range(len(ENC_HIDDEN)):
            h = torch.relu(h @ t[f"encoder.{k}.W"] + t[f"encoder.{k}.b"])
    mu = h @ t["encoder.mu.W"] + t["encoder.mu.b"]
    logvar = h @ t["encoder.logvar.W"] + t["encoder.logvar.b"]
    z = mu + torch.exp(0.5 * logvar) * torch.tensor(eps.astype(np.float64))

    start = z @ t["decoder.0.W"] + t["decoder.0.b"]  # [B, h0*w0*C0] in NHWC order
    h = torch.relu(start.reshape(BATCH, h0, h0, CONV_CHANNELS).permute(0, 3, 1, 2))
    for j, (name, ci, co) in enumerate(dec_shapes, 1):
        w = torch_conv_transpose_weight(t[name + ".W"], ci, co)
        h = nn.conv_transpose2d(h, w, t[name + ".b"].reshape(-1), stride=2, padding=1)
        if j < CONV_DEPTH:
            h = torch.relu(h)
    logits = h.permute(0, 2, 3, 1).reshape(BATCH, P * C)

    if knobs is not None:  # the knob cases (KNOB_CASES, below)
        return knob_objective(rng, knobs, params, t, logits, x, mu, logvar, CONV_H, CONV_W, C,
                              images, eps, None)
    return vae_objective(likelihood, params, t, logits, x, mu, logvar, images, eps, None)

# ---- the knobs of issue 18 (appended after every case above, so the random
# draws of those cases, and so their data in the file, stay what they were) ----
# Each knob case is a model of the kinds above plus a dict of knobs:
#   likelihood  bernoulli | continuous_bernoulli | gaussian | laplace
#   sigma       a number, or "learned": a [1, C] tensor likelihood.log_sigma
#   free_bits   True: a floor between the smallest and the next batch-mean KL
#   ffl         (weight, alpha): the focal frequency loss, torch.fft.fft2(norm="ortho")
# expected[0] is then the objective recon/B + ffl_weight * sum FFL / B + beta * rate/B,
# where rate is the free-bits rate (the KL without free bits); recon and kl stay
# -log p(x|z) and the true KL.
KNOB_CASES = {
    # name: (maker, spec, knobs)
    "knob_continuous_bernoulli": ("coord", ("coord", "gaussian", 6, "relu", "input",
                                            "continuous_bernoulli", 1),
                                  {"likelihood": "continuous_bernoulli"}),
    "knob_gaussian_learned_sigma_rgb": ("coord", ("coord", "basic", 2, "relu", "input",
                                                  "gaussian", 3),
                                        {"likelihood": "gaussian", "sigma": "learned"}),
    "knob_laplace": ("coord", ("dense", "none", 0, "relu", "input", "laplace", 1),
                     {"likelihood": "laplace", "sigma": 0.2}),
    "knob_laplace_learned_rgb": ("coord", ("coord", "none", 0, "relu", "film", "laplace", 3),
                                 {"likelihood": "laplace", "sigma": "learned"}),
    "knob_free_bits": ("coord", ("coord", "gaussian", 6, "relu", "input", "bernoulli", 1),
                       {"likelihood": "bernoulli", "free_bits": True}),
    "knob_ffl_conv": ("conv", ("mlp", "bernoulli", 1),
                      {"likelihood": "bernoulli", "ffl": (0.7, 1.0)}),
    "knob_ffl_coord_rgb": ("coord", ("coord", "basic", 2, "relu", "input", "gaussian", 3),
                           {"likelihood": "gaussian", "ffl": (2.0, 2.0), "free_bits": True}),
}


def knob_lines(knobs):
    lines = ["[likelihood]", f"kind = {knobs['likelihood']}", f"sigma = {knobs.get('sigma', SIGMA)}"]
    if knobs.get("free_bits_value") is not None:
        lines += ["[latent]", f"free_bits = {knobs['free_bits_value']!r}"]
    if "ffl" in knobs:
        weight, alpha = knobs["ffl"]
        lines += ["[loss]", f"focal_frequency = {weight}", f"focal_alpha = {alpha}"]
    return lines


def knob_config_text(base_text, knobs):
    # the base text's [likelihood] section is replaced by the knobs'
    out, skip = [], False
    for line in base_text.splitlines():
        if line.startswith("["):
            skip = line == "[likelihood]"
        if not skip:
            out.append(line)
    return "\n".join(out + knob_lines(knobs)) + "\n"


def cb_log_norm(lam):
    """log C(lambda) = log(2 artanh(1 - 2 lambda) / (1 - 2 lambda)), float64 closed form."""
    x = 1 - 2 * lam
    return torch.log(2 * torch.atanh(x) / x)


def knob_objective(rng, knobs, params, t, logits, x, mu, logvar, H, W, C, images, eps, freqs):
    B = logits.shape[0]
    kind = knobs["likelihood"]
    if knobs["likelihood"] in ("bernoulli", "continuous_bernoulli"):
        knobs.pop("sigma", None)  # no scale (and "learned" would be refused)
    if knobs.get("sigma") == "learned":
        v = (math.log(0.1) + 0.3 * rng.standard_normal((1, C))).astype(np.float32)
        params["likelihood.log_sigma"] = v
        t["likelihood.log_sigma"] = torch.tensor(v.astype(np.float64), requires_grad=True)
        log_s = t["likelihood.log_sigma"].reshape(C)
    else:
        log_s = torch.full((C,), math.log(np.float32(knobs.get("sigma", SIGMA))))
    nn = torch.nn.functional
    mean = torch.sigmoid(logits)
    if kind == "bernoulli":
        recon = nn.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    elif kind == "continuous_bernoulli":
        recon = nn.binary_cross_entropy_with_logits(logits, x, reduction="sum") - \
            cb_log_norm(mean).sum()
    else:
        d = (x - mean).reshape(B, H * W, C)
        s = torch.exp(log_s)
        if kind == "gaussian":
            recon = (d ** 2 / (2 * s ** 2) + log_s + 0.5 * math.log(2 * math.pi)).sum()
        else:
            recon = (d.abs() / s + log_s + math.log(2)).sum()
    kl_bj = 0.5 * (mu ** 2 + torch.exp(logvar) - 1 - logvar)  # [B, d]
    kl = kl_bj.sum()
    rate = kl
    if knobs.get("free_bits"):
        means = kl_bj.mean(0).detach().numpy()
        order = np.sort(means)
        F = float(np.float32((order[0] + order[1]) / 2))  # one dimension below, the rest above
        knobs["free_bits_value"] = F
        rate = B * torch.clamp(kl_bj.mean(0), min=F).sum()
    ffl = torch.zeros(())
    if "ffl" in knobs:
        weight, alpha = knobs["ffl"]
        p = mean.reshape(B, H, W, C).permute(0, 3, 1, 2)
        q = x.reshape(B, H, W, C).permute(0, 3, 1, 2)
        diff = torch.fft.fft2(p, norm="ortho") - torch.fft.fft2(q, norm="ortho")
        m2 = diff.real ** 2 + diff.imag ** 2
        w = torch.sqrt(m2) ** alpha
        w = w / w.amax(dim=(-2, -1), keepdim=True)
        w = torch.nan_to_num(w, nan=0.0).detach()  # the paper's weights carry no gradient
        ffl = weight * (w * m2).mean(dim=(1, 2, 3)).sum()
    loss = (recon + ffl) / B + BETA * rate / B
    loss.backward()
    grads = {k: v.grad.numpy() for k, v in t.items()}
    return params, grads, images, eps, freqs, float(loss), float(recon), float(kl)


# Sine coordinate decoders whose latent has its own first-layer scale,
# [network] latent_omega (appended after KNOB_CASES, so the draws above stay
# what they were): h1 = sin(omega0 * (gamma Wx + b) + latent_omega * (z Wz)).
SIREN_CASES = {
    # name: CASES' fields, then latent_omega
    "coord_none_sine_latent_omega": ("coord", "none", 0, "sine", "input", "bernoulli", 1, 0.5),
    "coord_gaussian_sine_film_latent_omega": ("coord", "gaussian", 6, "sine", "film", "gaussian",
                                              1, 3.5),
}


def siren_config_text(*spec):
    return config_text(*spec[:7]) + f"latent_omega = {spec[7]}\n"


def make_siren_case(rng, *spec):
    return make_case(rng, *spec[:7], latent_omega=spec[7])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/reference/torch_reference.h5"
    rng = np.random.default_rng(20261127)
    with h5py.File(out, "w") as f:
        f.attrs["format"] = "ffvae-torch-reference"
        f.attrs["torch_version"] = str(torch.__version__)
        cases = [(name, make_case, config_text, spec) for name, spec in CASES.items()]
        cases += [(name, make_conv_case, conv_config_text, spec)
                  for name, spec in CONV_CASES.items()]
        cases += [(name, *knob_maker(maker, knobs), spec)
                  for name, (maker, spec, knobs) in KNOB_CASES.items()]
        cases += [(name, make_siren_case, siren_config_text, spec)
                  for name, spec in SIREN_CASES.items()]
        for name, make, text, spec in cases:
            params, grads, images, eps, freqs, loss, recon, kl = make(rng, *spec)
            g = f.create_group(name)
            g.create_dataset("config", data=text(*spec))
            g.create_dataset("images", data=images)
            g.create_dataset("eps", data=eps)
            if freqs is not None:
                g.create_dataset("encoding_B", data=freqs)
            for k, v in params.items():
                g.create_dataset(f"params/{k}", data=v)
                g.create_dataset(f"grads/{k}", data=grads[k].astype(np.float32))
            g.create_dataset("expected", data=np.array([loss, recon, kl], dtype=np.float32))
            print(f"{name}: loss {loss:.6f} (recon {recon:.4f}, kl {kl:.4f}), {len(params)} tensors")


def knob_maker(maker, knobs):
    """(make, text) for a knob case: the base case's maker with the knobs, and
    its config text with the knobs' keys (text runs after make, which has then
    chosen the free-bits floor)."""
    base_make, base_text = (make_case, config_text) if maker == "coord" else \
        (make_conv_case, conv_config_text)
    return (lambda rng, *spec: base_make(rng, *spec, knobs=knobs),
            lambda *spec: knob_config_text(base_text(*spec), knobs))


if __name__ == "__main__":
    main()
