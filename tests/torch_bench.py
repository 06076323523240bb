#!/usr/bin/python3
"""The PyTorch side of `ffvae bench`: the same model, built idiomatically, timed
on the same CPU with the same threads and batch.

    /usr/bin/python3 tests/torch_bench.py models/bench.ini [--batch 64] [--steps 20]
        [--threads 2] [--width W] [--activation sine] [--bf16] [--json]

Coord models and conv models ([decoder] kind = conv, with either encoder) are
built; a dense decoder is not. Needs Debian's python3-torch. PyTorch gets its best form: the latent joins the
first layer by broadcasting (no [B*P, F+d] concatenation), the encoding is a
precomputed buffer, the loss is fused BCE-with-logits, and the optimiser is
torch.optim.Adam (foreach). Prints the same lines as `ffvae bench`.

--bf16 trains in mixed precision as a PyTorch user would: the forward pass
(and so the loss) under torch.autocast("cpu", dtype=torch.bfloat16), the
backward and Adam outside it, on fp32 master weights.
"""
import argparse
import configparser
import json
import math
import resource
import time

import torch


def read_model(path):
    ini = configparser.ConfigParser(inline_comment_prefixes=("#", ";"))
    ini.read(path)
    g = lambda s, k, d=None: ini.get(s, k, fallback=d)
    return {
        "H": int(g("data", "height")), "W": int(g("data", "width")), "C": int(g("data", "channels")),
        "latent": int(g("latent", "size")),
        "enc": [int(x) for x in g("encoder", "hidden", "512, 256").split(",")],
        "features": int(g("encoding", "features", "128")), "sigma": float(g("encoding", "sigma", "4")),
        "decoder": g("decoder", "kind"), "dec_channels": int(g("decoder", "channels", "64")),
        "encoder": g("encoder", "kind", "mlp"), "enc_channels": int(g("encoder", "channels", "32")),
        "enc_depth": int(g("encoder", "depth", "2")),
        "width": int(g("network", "width", g("decoder", "channels", "64"))),
        "depth": int(g("network", "depth")),
        "activation": g("network", "activation", "relu"), "omega0": float(g("network", "omega0", "30")),
        "batch": int(g("training", "batch", "64")), "lr": float(g("training", "lr", "1e-3")),
    }


class Sine(torch.nn.Module):
    def __init__(self, w0):
        super().__init__()
        self.w0 = w0

    def forward(self, x):
        return torch.sin(self.w0 * x)


class CoordVAE(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        P, C, d, W = m["H"] * m["W"], m["C"], m["latent"], m["width"]
        layers, n = [], P * C
        for h in m["enc"]:
            layers += [torch.nn.Linear(n, h), torch.nn.ReLU()]
            n = h
        self.encoder = torch.nn.Sequential(*layers)
        self.mu, self.logvar = torch.nn.Linear(n, d), torch.nn.Linear(n, d)
        jj, ii = torch.meshgrid(torch.arange(m["W"]), torch.arange(m["H"]), indexing="xy")
        v = torch.stack([(jj.flatten() + 0.5) / m["W"], (ii.flatten() + 0.5) / m["H"]], 1)
        B = torch.randn(m["features"], 2) * m["sigma"]
        arg = 2 * math.pi * v @ B.T
        self.register_buffer("gamma", torch.cat([torch.sin(arg), torch.cos(arg)], 1))  # [P, E]
        self.first_x = torch.nn.Linear(2 * m["features"], W, bias=False)
        self.first_z = torch.nn.Linear(d, W)
        act = Sine(m["omega0"]) if m["activation"] == "sine" else torch.nn.ReLU()
        self.act = act
        hidden = []
        for _ in range(m["depth"] - 1):
            hidden += [torch.nn.Linear(W, W), act]
        self.hidden = torch.nn.Sequential(*hidden)
        self.out = torch.nn.Linear(W, C)

    def forward(self, x):
        h = self.encoder(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        h = self.act(self.first_x(self.gamma)[None] + self.first_z(z)[:, None])  # [B, P, W]
        logits = self.out(self.hidden(h)).reshape(x.shape[0], -1)
        recon = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum()
        return (recon + kl) / x.shape[0]


class ConvVAE(torch.nn.Module):
    """[decoder] kind = conv (and [encoder] kind = conv): nn.Conv2d / nn.ConvTranspose2d,
    kernel 4, stride 2, padding 1, with maps and weights in channels_last (NHWC) memory,
    PyTorch's faster CPU form here (measured 1.3x over NCHW on fmnist-conv, 1 thread)."""

    def __init__(self, m):
        super().__init__()
        H, W, C, d = m["H"], m["W"], m["C"], m["latent"]
        self.shape = (H, W, C)
        layers, n = [], H * W * C
        if m["encoder"] == "conv":
            c_in, h, w = C, H, W
            for k in range(m["enc_depth"]):
                c_out = m["enc_channels"] << k
                layers += [torch.nn.Conv2d(c_in, c_out, 4, 2, 1), torch.nn.ReLU()]
                c_in, h, w = c_out, (h + 2 - 4) // 2 + 1, (w + 2 - 4) // 2 + 1
            layers.append(torch.nn.Flatten())
            n = c_in * h * w
        else:
            layers.append(torch.nn.Flatten())
            for hid in m["enc"]:
                layers += [torch.nn.Linear(n, hid), torch.nn.ReLU()]
                n = hid
        self.conv_encoder = m["encoder"] == "conv"
        self.encoder = torch.nn.Sequential(*layers)
        self.mu, self.logvar = torch.nn.Linear(n, d), torch.nn.Linear(n, d)
        L, c0 = m["depth"], m["dec_channels"]
        self.start = (c0, H >> L, W >> L)
        self.first = torch.nn.Linear(d, c0 * (H >> L) * (W >> L))
        dec, c_in = [torch.nn.ReLU()], c0
        for j in range(1, L + 1):
            c_out = C if j == L else c0 >> j
            dec.append(torch.nn.ConvTranspose2d(c_in, c_out, 4, 2, 1))
            if j < L:
                dec.append(torch.nn.ReLU())
            c_in = c_out
        self.decoder = torch.nn.Sequential(*dec)

    def forward(self, x):
        B = x.shape[0]
        H, W, C = self.shape
        img = x.reshape(B, H, W, C).permute(0, 3, 1, 2) if self.conv_encoder else x  # NCHW view of NHWC
        h = self.encoder(img)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        start = self.first(z).reshape(B, *self.start).contiguous(memory_format=torch.channels_last)
        logits = self.decoder(start)  # [B, C, H, W]
        target = x.reshape(B, H, W, C).permute(0, 3, 1, 2)
        recon = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="sum")
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum()
        return (recon + kl) / B


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--width", type=int)
    ap.add_argument("--activation")
    ap.add_argument("--bf16", action="store_true",
                    help="wrap the forward pass in torch.autocast('cpu', dtype=torch.bfloat16)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    m = read_model(a.model)
    for k in ("batch", "width", "activation"):
        if getattr(a, k):
            m[k] = getattr(a, k)
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    if m["decoder"] == "conv":
        model = ConvVAE(m).to(memory_format=torch.channels_last)
    else:
        model = CoordVAE(m)
    opt = torch.optim.Adam(model.parameters(), lr=m["lr"])
    x = torch.randint(0, 256, (m["batch"], m["H"] * m["W"] * m["C"])).float() / 255

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.bf16):
            loss = model(x)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    dt = (time.perf_counter() - t0) / a.steps
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res = {"framework": "pytorch " + str(torch.__version__), "batch": m["batch"], "threads": a.threads,
           "width": m["width"], "activation": m["activation"], "precision": "bf16" if a.bf16 else "fp32",
           "images_per_s": m["batch"] / dt, "ms_per_step": dt * 1e3, "peak_rss_mib": peak}
    if a.json:
        print(json.dumps(res))
    else:
        print(f"pytorch: {res['images_per_s']:.1f} img/s  {dt * 1e3:.2f} ms/step  "
              f"threads {a.threads}  batch {m['batch']}  width {m['width']}  {m['activation']}  "
              f"{res['precision']}")
        print(f"peak memory: {peak:.1f} MiB")


if __name__ == "__main__":
    main()
