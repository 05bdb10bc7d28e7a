"""PyTorch CUDA eager peer of bench/gpu.mts: M2/M3 training at batch 64 and 512 and a square
matmul, fp32 with TF32 off. Prints one JSON line. Usage: python3 bench/gpu_torch.py [--dry]"""
import json, sys, time
import torch
import torch.nn as nn

dry = '--dry' in sys.argv
dev = 'cuda' if torch.cuda.is_available() else 'cpu'
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def model(m):
    if m == 'M2':
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding='same'), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def sync():
    if dev == 'cuda':
        torch.cuda.synchronize()


def train(m, batch, steps, warmup):
    torch.manual_seed(0)
    net = model(m).to(dev)
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x = torch.rand([batch, 1, 28, 28] if m == 'M3' else [batch, 784], device=dev)
    y = torch.randint(0, 10, [batch], device=dev)
    lossf = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        l = lossf(net(x), y)
        l.backward()
        opt.step()
        return l
    for _ in range(warmup):
        step().item()
    sync()
    t0 = time.perf_counter()
    for _ in range(steps):
        l = step()
    loss = l.item()
    secs = time.perf_counter() - t0
    return {'samplesPerSec': batch * steps / secs, 'loss': loss}


results = {}
for m in ['M2', 'M3']:
    for b in ([8] if dry else [64, 512]):
        results[f'{m}@{b}'] = train(m, b, 3 if dry else (200 if m == 'M2' else 60), 1 if dry else 5)
n = 128 if dry else 4096
a = torch.randn(n, n, device=dev)
b = torch.randn(n, n, device=dev)
(a @ b).sum().item()
sync()
reps = 2 if dry else 10
t0 = time.perf_counter()
for _ in range(reps):
    c = a @ b
sync()
results[f'matmul{n}'] = {'gflops': 2 * n ** 3 * reps / (time.perf_counter() - t0) / 1e9}
print(json.dumps({'backend': f'torch-{dev}', 'torch': torch.__version__, 'dry': dry, 'results': results}))
