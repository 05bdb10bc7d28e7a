"""Writes test/fixtures/torch/conv.json: PyTorch's values for nabla's 1-D/3-D convolution,
pooling options (dilation, ceil_mode, 1-D/3-D, adaptive) and padding modes.

Run: /work/venv/bin/python scripts/torch/conv.py   (PyTorch 2.x, CPU)
Inputs are rounded to 4 decimals so that float32 holds them closely; outputs are computed in
float64 and rounded to 8 significant digits.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'torch', 'conv.json')


def rnd(*shape):
    return torch.round(torch.rand(*shape, dtype=torch.float64) * 2e4 - 1e4) / 1e4


def flat(t):
    return [float(f'{v:.8g}') for v in t.detach().reshape(-1).tolist()]


cases = []


def add(op, args, x, y, w=None, grads=None):
    c = {'op': op, 'args': args, 'x': flat(x), 'xShape': list(x.shape), 'y': flat(y), 'yShape': list(y.shape)}
    if w is not None:
        c['w'] = flat(w)
        c['wShape'] = list(w.shape)
    if grads is not None:
        c['grads'] = {k: flat(v) for k, v in grads.items()}
    cases.append(c)


def with_grads(f, x, w=None):
    """y = f(x, w); grads of sum(y * r) for a fixed r (also stored)."""
    x = x.clone().requires_grad_(True)
    ins = [x]
    if w is not None:
        w = w.clone().requires_grad_(True)
        ins.append(w)
    y = f(*ins)
    r = torch.linspace(-1, 1, y.numel(), dtype=torch.float64).reshape(y.shape)
    (y * r).sum().backward()
    g = {'x': x.grad}
    if w is not None:
        g['w'] = w.grad
    return y, g


# conv1d: args are nabla's options
for (xs, ws, opts, topts) in [
    ([2, 3, 9], [4, 3, 3], {}, {}),
    ([1, 4, 10], [6, 2, 3], {'stride': 2, 'padding': 1, 'groups': 2}, {'stride': 2, 'padding': 1, 'groups': 2}),
    ([2, 2, 11], [3, 2, 4], {'dilation': 2, 'padding': 'same'}, {'dilation': 2, 'padding': 'same'}),
    ([1, 3, 8], [2, 3, 2], {'padding': [2, 1], 'stride': 3}, None),
]:
    x, w = rnd(*xs), rnd(*ws)
    if topts is None:
        f = lambda a, b: F.conv1d(F.pad(a, (2, 1)), b, stride=3)
    else:
        f = lambda a, b, t=topts: F.conv1d(a, b, **t)
    y, g = with_grads(f, x, w)
    add('conv1d', opts, x, y, w, g)

# conv3d
for (xs, ws, opts) in [
    ([2, 2, 4, 5, 5], [3, 2, 2, 3, 3], {}),
    ([1, 4, 5, 6, 5], [4, 2, 3, 2, 3], {'stride': [2, 1, 2], 'padding': [1, 1, 0], 'groups': 2}),
    ([1, 2, 7, 6, 6], [2, 2, 2, 2, 2], {'dilation': [2, 1, 2], 'stride': [1, 2, 1], 'padding': 1}),
    ([1, 3, 4, 4, 4], [3, 1, 3, 3, 3], {'padding': 'same', 'groups': 3}),
]:
    x, w = rnd(*xs), rnd(*ws)
    y, g = with_grads(lambda a, b, t=opts: F.conv3d(a, b, **{k: (tuple(v) if isinstance(v, list) else v) for k, v in t.items()}), x, w)
    add('conv3d', opts, x, y, w, g)
# conv3d with 6-value padding: F.pad's order is (left, right, top, bottom, front, back)
x, w = rnd(1, 2, 3, 4, 4), rnd(2, 2, 2, 2, 2)
y, g = with_grads(lambda a, b: F.conv3d(F.pad(a, (1, 0, 0, 2, 1, 0)), b), x, w)
add('conv3d', {'padding': [1, 0, 0, 2, 1, 0]}, x, y, w, g)

# pooling: 'kernel' plus nabla's options
def tup(v):
    return tuple(v) if isinstance(v, list) else v


def topt(o):
    m = {'stride': 'stride', 'padding': 'padding', 'dilation': 'dilation', 'ceilMode': 'ceil_mode', 'countIncludePad': 'count_include_pad'}
    return {m[k]: tup(v) for k, v in o.items()}


pools = [
    ('maxPool2d', F.max_pool2d, [1, 2, 7, 7], 3, {'stride': 2, 'ceilMode': True}),
    ('maxPool2d', F.max_pool2d, [1, 2, 6, 6], 2, {'stride': 2, 'padding': 1, 'ceilMode': True}),
    ('maxPool2d', F.max_pool2d, [2, 1, 8, 9], 2, {'dilation': 2, 'stride': 1}),
    ('maxPool2d', F.max_pool2d, [1, 2, 9, 8], [3, 2], {'dilation': [2, 3], 'stride': 2, 'padding': 1, 'ceilMode': True}),
    ('maxPool2d', F.max_pool2d, [1, 1, 5, 5], 2, {'stride': 2, 'ceilMode': True}),
    ('avgPool2d', F.avg_pool2d, [1, 2, 7, 7], 3, {'stride': 2, 'ceilMode': True}),
    ('avgPool2d', F.avg_pool2d, [1, 2, 7, 6], 3, {'stride': 2, 'padding': 1, 'ceilMode': True, 'countIncludePad': True}),
    ('avgPool2d', F.avg_pool2d, [1, 2, 7, 6], 3, {'stride': 2, 'padding': 1, 'ceilMode': True, 'countIncludePad': False}),
    ('avgPool2d', F.avg_pool2d, [1, 1, 5, 5], 2, {'stride': 2, 'ceilMode': True, 'countIncludePad': True}),
    ('maxPool1d', F.max_pool1d, [2, 3, 11], 3, {'stride': 2, 'padding': 1, 'dilation': 2, 'ceilMode': True}),
    ('maxPool1d', F.max_pool1d, [1, 2, 8], 2, {}),
    ('avgPool1d', F.avg_pool1d, [2, 3, 10], 3, {'stride': 2, 'padding': 1, 'ceilMode': True, 'countIncludePad': True}),
    ('avgPool1d', F.avg_pool1d, [1, 2, 9], 4, {'stride': 1}),
    ('maxPool3d', F.max_pool3d, [1, 2, 5, 6, 7], 2, {}),
    ('maxPool3d', F.max_pool3d, [1, 2, 7, 6, 7], [3, 2, 3], {'stride': [2, 2, 2], 'padding': [1, 0, 1], 'dilation': [1, 2, 1], 'ceilMode': True}),
    ('avgPool3d', F.avg_pool3d, [1, 2, 5, 6, 7], [3, 2, 3], {'stride': 2, 'padding': 1, 'ceilMode': True, 'countIncludePad': True}),
    ('avgPool3d', F.avg_pool3d, [2, 1, 5, 5, 5], 3, {'stride': 2, 'padding': 1, 'countIncludePad': False}),
]
for op, f, xs, k, opts in pools:
    x = rnd(*xs)
    y, g = with_grads(lambda a, f=f, k=k, o=opts: f(a, tup(k), **topt(o)), x)
    add(op, {'kernel': k, **opts}, x, y, None, g)

for op, f, xs, o in [
    ('adaptiveAvgPool2d', F.adaptive_avg_pool2d, [1, 2, 7, 5], [3, 2]),
    ('adaptiveAvgPool2d', F.adaptive_avg_pool2d, [2, 1, 4, 6], 5),
    ('adaptiveMaxPool2d', F.adaptive_max_pool2d, [1, 2, 7, 5], [3, 2]),
    ('adaptiveMaxPool2d', F.adaptive_max_pool2d, [2, 1, 4, 6], [5, 4]),
    ('adaptiveAvgPool1d', F.adaptive_avg_pool1d, [2, 2, 10], 3),
    ('adaptiveMaxPool1d', F.adaptive_max_pool1d, [2, 2, 10], 4),
]:
    x = rnd(*xs)
    y, g = with_grads(lambda a, f=f, o=o: f(a, tup(o)), x)
    add(op, {'outSize': o}, x, y, None, g)

# padding modes: nabla's pads are [before, after] per axis; F.pad's tuple runs from the last axis
for xs, pads, mode in [
    ([2, 3, 5], [[0, 0], [0, 0], [2, 3]], 'reflect'),
    ([1, 2, 4, 5], [[0, 0], [0, 0], [1, 3], [2, 0]], 'reflect'),
    ([1, 2, 4, 5], [[0, 0], [0, 0], [2, 1], [3, 2]], 'replicate'),
    ([1, 2, 4, 5], [[0, 0], [0, 0], [4, 1], [2, 5]], 'circular'),
    ([1, 1, 3, 3, 4], [[0, 0], [0, 0], [1, 2], [2, 1], [1, 3]], 'reflect'),
    ([1, 1, 3, 3, 4], [[0, 0], [0, 0], [1, 2], [2, 1], [1, 3]], 'replicate'),
]:
    x = rnd(*xs)
    tp = tuple(v for p in reversed(pads[2:]) for v in p)
    y, g = with_grads(lambda a, tp=tp, m=mode: F.pad(a, tp, mode=m), x)
    add('pad', {'pads': pads, 'mode': mode}, x, y, None, g)

# conv layers with padding_mode: nabla.nn.conv2d(inC, outC, k, { padding, paddingMode, bias: false })
for xs, ws, padding, mode in [
    ([1, 2, 5, 6], [3, 2, 3, 3], 1, 'reflect'),
    ([1, 2, 5, 6], [3, 2, 3, 3], 'same', 'circular'),
    ([1, 2, 5, 6], [3, 2, 3, 2], [2, 1], 'replicate'),
]:
    x, w = rnd(*xs), rnd(*ws)
    conv = torch.nn.Conv2d(xs[1], ws[0], tuple(ws[2:]), padding=tup(padding), padding_mode=mode, bias=False).double()
    with torch.no_grad():
        conv.weight.copy_(w)
    add('conv2dLayer', {'padding': padding, 'paddingMode': mode}, x, conv(x), w)
for xs, ws, padding, mode in [([2, 2, 9], [3, 2, 3], 2, 'reflect'), ([1, 2, 9], [2, 2, 4], 'same', 'replicate')]:
    x, w = rnd(*xs), rnd(*ws)
    conv = torch.nn.Conv1d(xs[1], ws[0], ws[2], padding=padding, padding_mode=mode, bias=False).double()
    with torch.no_grad():
        conv.weight.copy_(w)
    add('conv1dLayer', {'padding': padding, 'paddingMode': mode}, x, conv(x), w)
x, w = rnd(1, 2, 4, 4, 5), rnd(2, 2, 3, 3, 3)
conv = torch.nn.Conv3d(2, 2, 3, padding=1, padding_mode='replicate', bias=False).double()
with torch.no_grad():
    conv.weight.copy_(w)
add('conv3dLayer', {'padding': 1, 'paddingMode': 'replicate'}, x, conv(x), w)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as fh:
    json.dump({'generator': 'scripts/torch/conv.py', 'torch': torch.__version__, 'cases': cases}, fh, separators=(',', ':'))
print(f'{len(cases)} cases -> {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)')
