"""Writes test/fixtures/torch/attention.json: Luong dot and general and Bahdanau additive attention
written out by hand in PyTorch (the formulas nabla's nn.attention implements), on a padded batch
of keys with lengths (one sequence fully masked), with the gradients of a fixed weighted sum of the
context and the weights with respect to the query, keys, values and every parameter.

Parameters use nabla's row convention: general `weight` [queryDim, keyDim] (score = q·W·kᵀ);
additive `queryWeight` [queryDim, hidden], `keyWeight` [keyDim, hidden], `bias` [hidden], `v`
[hidden] (score = v·tanh(q·W_q + k·W_k + b)).

Run once: /work/venv/bin/python scripts/torch/attention.py (the test reads the JSON; it needs no Python)."""
import json
import math
import os

import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
B, TQ, TK, DV, H = 3, 2, 4, 2, 4
lengths = [4, 2, 0]


def flat(t):
    return {"shape": list(t.shape), "data": [round(float(v), 10) for v in t.detach().flatten().tolist()]}


def attend(scores, values, mask):
    """Softmax over the valid keys; masked keys get weight 0; a row with no valid key gets all zeros."""
    m = scores.masked_fill(~mask, -math.inf).amax(-1, keepdim=True).detach()
    m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
    e = torch.exp(scores - m).masked_fill(~mask, 0.0)
    w = e / e.sum(-1, keepdim=True).clamp_min(1e-300)
    return w @ values, w


def case(kind, dq, dk, scale=False):
    q = torch.randn(B, TQ, dq)
    k = torch.randn(B, TK, dk)
    v = torch.randn(B, TK, DV)
    for b, n in enumerate(lengths):
        k[b, n:] = 7.0  # padding the layer must ignore
        v[b, n:] = -3.0
    for t in (q, k, v):
        t.requires_grad_(True)
    params = {}
    if kind == "dot":
        scores = q @ k.transpose(1, 2)
    elif kind == "general":
        params["weight"] = (torch.rand(dq, dk) * 2 - 1).requires_grad_(True)
        scores = (q @ params["weight"]) @ k.transpose(1, 2)
    else:
        params["queryWeight"] = (torch.rand(dq, H) * 2 - 1).requires_grad_(True)
        params["keyWeight"] = (torch.rand(dk, H) * 2 - 1).requires_grad_(True)
        params["bias"] = (torch.rand(H) * 2 - 1).requires_grad_(True)
        params["v"] = (torch.rand(H) * 2 - 1).requires_grad_(True)
        hq = (q @ params["queryWeight"]).unsqueeze(2)  # [B, Tq, 1, H]
        hk = (k @ params["keyWeight"]).unsqueeze(1)  # [B, 1, Tk, H]
        scores = torch.tanh(hq + hk + params["bias"]) @ params["v"]
    if scale:
        scores = scores / math.sqrt(dk)
    mask = (torch.arange(TK).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)).unsqueeze(1)  # [B, 1, Tk]
    ctx, w = attend(scores, v, mask)
    wc = torch.randn_like(ctx)
    ww = torch.randn_like(w)
    ((ctx * wc).sum() + (w * ww).sum()).backward()
    return {
        "config": {"kind": kind, "queryDim": dq, "keyDim": dk, "hiddenDim": H, "scale": scale},
        "lengths": lengths,
        "query": flat(q), "keys": flat(k), "values": flat(v),
        "params": {n: flat(p) for n, p in params.items()},
        "context": flat(ctx), "weights": flat(w),
        "wc": flat(wc), "ww": flat(ww),
        "grads": {"query": flat(q.grad), "keys": flat(k.grad), "values": flat(v.grad), **{n: flat(p.grad) for n, p in params.items()}},
    }


out = {"dot": case("dot", 3, 3, scale=True), "general": case("general", 3, 5), "additive": case("additive", 3, 5)}
path = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "torch", "attention.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", os.path.normpath(path))
