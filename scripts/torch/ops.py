"""Reference values for nabla's cumsum/cumprod, sort/argsort/topk, norm, einsum, takeAlongAxis and
clip, computed with PyTorch (float64) — forward values and the gradient of sum(out * w) for a fixed
w. Writes test/fixtures/torch/ops.json, read by test/ops/torch.test.ts (which needs no Python).

    /work/venv/bin/python scripts/torch/ops.py

NaN and ±Infinity are written as the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers).
"""
import json
import math
import os

import torch

torch.manual_seed(0)
D = torch.float64


def enc(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return round(v, 12)
    return v


def tens(t):
    flat = t.detach().reshape(-1).tolist()
    return {"shape": list(t.shape), "dtype": "int32" if not t.is_floating_point() else "float32", "data": [enc(float(x)) if t.is_floating_point() else int(x) for x in flat]}


def rnd(*shape):
    # two decimals: exact enough in float32, few ties
    return torch.round(torch.randn(*shape, dtype=D) * 100) / 100


cases = []


def case(name, op, inputs, args, fn, grad=True):
    """fn(*inputs) -> tensor, or (values, indices). Gradients of sum(values * w) w.r.t. float inputs."""
    ins = [t.clone().requires_grad_(grad and t.is_floating_point()) for t in inputs]
    res = fn(*ins)
    values, indices = (res if isinstance(res, tuple) else (res, None))
    entry = {"name": name, "op": op, "args": args, "inputs": [tens(t) for t in inputs], "values": tens(values)}
    if indices is not None:
        entry["indices"] = tens(indices)
    if grad and values.is_floating_point() and values.numel() > 0:
        w = torch.round(torch.randn(values.shape, dtype=D) * 10) / 10
        (values * w).sum().backward()
        entry["weight"] = tens(w)
        entry["grads"] = [tens(t.grad if t.grad is not None else torch.zeros_like(t)) if t.is_floating_point() else None for t in ins]
    cases.append(entry)


def flip(t, d):
    return torch.flip(t, [d])


def cum(t, d, kind, exclusive=False, reverse=False):
    f = torch.cumsum if kind == "sum" else torch.cumprod
    if reverse:
        t = flip(t, d)
    if exclusive:
        one = torch.ones_like(t.narrow(d, 0, 1)) * (0 if kind == "sum" else 1)
        y = torch.cat([one, f(t.narrow(d, 0, t.shape[d] - 1), d)], d)
    else:
        y = f(t, d)
    return flip(y, d) if reverse else y


# ---- cumsum / cumprod ----
x = rnd(3, 4)
for axis in (0, 1, -1):
    case(f"cumsum axis {axis}", "cumsum", [x], {"axis": axis}, lambda t, a=axis: cum(t, a, "sum"))
for ex in (False, True):
    for rev in (False, True):
        case(f"cumsum exclusive={ex} reverse={rev}", "cumsum", [x], {"axis": 1, "exclusive": ex, "reverse": rev},
             lambda t, e=ex, r=rev: cum(t, 1, "sum", e, r))
xz = torch.tensor([[1.5, 0.0, 2.0, -1.0, 0.5], [0.0, 0.0, 3.0, 2.0, -0.5], [2.0, -0.5, 1.25, 0.75, 0.0], [1.1, 0.9, -1.2, 0.8, 1.3]], dtype=D)
for ex in (False, True):
    for rev in (False, True):
        case(f"cumprod with zeros exclusive={ex} reverse={rev}", "cumprod", [xz], {"axis": 1, "exclusive": ex, "reverse": rev},
             lambda t, e=ex, r=rev: cum(t, 1, "prod", e, r))
case("cumprod axis 0", "cumprod", [xz], {"axis": 0}, lambda t: torch.cumprod(t, 0))

# ---- sort / argsort / topk ----
xs = torch.tensor([[3.0, 1.0, float("nan"), 2.0, 1.0, -0.5], [0.25, 2.0, 2.0, float("nan"), -1.0, float("nan")], [5.0, 4.0, 3.0, 2.0, 1.0, 0.0]], dtype=D)
for desc in (False, True):
    case(f"sort descending={desc}", "sort", [xs], {"axis": -1, "descending": desc},
         lambda t, d=desc: tuple(torch.sort(t, dim=-1, descending=d, stable=True)))
    case(f"argsort descending={desc}", "argsort", [xs], {"axis": -1, "descending": desc},
         lambda t, d=desc: torch.argsort(t, dim=-1, descending=d, stable=True), grad=False)
x3 = rnd(4, 3, 2)
case("sort axis 0", "sort", [x3], {"axis": 0}, lambda t: tuple(torch.sort(t, dim=0, stable=True)))
xt = torch.tensor([[0.5, -2.0, 3.5, 1.0, 7.0, -0.25], [float("nan"), 1.0, 4.0, -3.0, 2.5, 0.0]], dtype=D)
for k, largest in ((3, True), (2, False), (6, True), (0, True)):
    case(f"topk k={k} largest={largest}", "topk", [xt], {"k": k, "axis": -1, "largest": largest},
         lambda t, k=k, l=largest: tuple(torch.topk(t, k, dim=-1, largest=l, sorted=True)))
case("topk axis 0", "topk", [x3], {"k": 2, "axis": 0, "largest": True}, lambda t: tuple(torch.topk(t, 2, dim=0)))

# ---- norm ----
xn = torch.tensor([[0.0, 0.0, 0.0], [3.0, -4.0, 1.5], [-0.5, 2.0, -2.5]], dtype=D)
for p in (2, 1, float("inf"), float("-inf"), 0, 3, 0.5, "fro"):
    pv = 2 if p == "fro" else p
    for axis, keep in ((None, False), (1, False), (1, True), ([0, 1], False), (0, True)):
        # the gradient of |x|^p at 0 is infinite for p < 1; PyTorch and nabla both give NaN/inf there
        g = not (p == 0.5)
        case(f"norm p={p} axis={axis} keepDims={keep}", "norm", [xn], {"p": enc(float(pv)) if p != "fro" else "fro", "axis": axis, "keepDims": keep},
             lambda t, pv=pv, a=axis, k=keep: torch.linalg.vector_norm(t, ord=pv, dim=a, keepdim=k), grad=g)
xpos = torch.tensor([[0.5, 1.0, 2.0], [3.0, 0.25, 1.5]], dtype=D)
case("norm p=0.5 positive", "norm", [xpos], {"p": 0.5, "axis": 1, "keepDims": False}, lambda t: torch.linalg.vector_norm(t, ord=0.5, dim=1))
case("norm p=-2 positive", "norm", [xpos], {"p": -2, "axis": None, "keepDims": False}, lambda t: torch.linalg.vector_norm(t, ord=-2))

# ---- einsum ----
E = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("bij,bjk", [(2, 2, 3), (1, 3, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("...ij->...ji", [(2, 2, 3)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]),
    ("ijk,ik->j", [(2, 3, 4), (2, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("iij->j", [(3, 3, 2)]),
    ("Ab,bA->A", [(2, 3), (3, 2)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("i,i,i->i", [(3,), (3,), (3,)]),
]
for eq, shapes in E:
    ins = [rnd(*s) for s in shapes]
    case(f"einsum {eq}", "einsum", ins, {"equation": eq}, lambda *ts, eq=eq: torch.einsum(eq, *ts))

# ---- takeAlongAxis ----
xg = rnd(3, 4)
ig = torch.tensor([[0, 3, 3], [1, 1, 0], [2, 0, 1]])
case("takeAlongAxis axis 1", "takeAlongAxis", [xg, ig], {"axis": 1}, lambda t, i: torch.take_along_dim(t, i, 1))
ig0 = torch.tensor([[2, 0, 1, 1], [0, 0, 2, 2]])
case("takeAlongAxis axis 0", "takeAlongAxis", [xg, ig0], {"axis": 0}, lambda t, i: torch.take_along_dim(t, i, 0))
ib = torch.tensor([[3, 0]])
case("takeAlongAxis broadcast indices", "takeAlongAxis", [xg, ib], {"axis": -1}, lambda t, i: torch.take_along_dim(t, i, -1))
xb = rnd(1, 4)
ib2 = torch.tensor([[0], [3], [2]])
case("takeAlongAxis broadcast x", "takeAlongAxis", [xb, ib2], {"axis": 1}, lambda t, i: torch.take_along_dim(t, i, 1))

# ---- clip ----
xc = torch.tensor([[-2.0, -1.0, 0.0, 0.5], [1.0, 2.0, 3.0, 4.0]], dtype=D)
case("clip both", "clip", [xc], {"min": -1, "max": 3}, lambda t: torch.clamp(t, -1, 3))
case("clip max only", "clip", [xc], {"max": 0.5}, lambda t: torch.clamp(t, max=0.5))
case("clip min only", "clip", [xc], {"min": 1}, lambda t: torch.clamp(t, min=1))
lo = torch.tensor([-1.5, 0.0, 0.0, 1.0], dtype=D)
hi = torch.tensor([[0.0], [2.5]], dtype=D)
case("clip tensor bounds", "clip", [xc, lo, hi], {}, lambda t, a, b: torch.clamp(t, a, b))
case("clip tensor min", "clip", [xc, lo], {}, lambda t, a: torch.clamp(t, min=a))
case("clip tensor max", "clip", [xc, hi], {"tensorMax": True}, lambda t, b: torch.clamp(t, max=b))

out = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "torch", "ops.json")
with open(out, "w") as f:
    json.dump({"generator": "scripts/torch/ops.py", "torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print(f"{len(cases)} cases -> {os.path.normpath(out)} ({os.path.getsize(out)} bytes)")
