"""Writes test/fixtures/torch/norm.json: PyTorch's BatchNorm1d/BatchNorm2d (outputs and input,
weight and bias gradients of the first training step, running statistics after 3 training steps,
eval outputs), LayerNorm (outputs and gradients) and Upsample (nearest and bilinear with
align_corners=False, outputs and input gradients), for test/nn/norm-torch.test.ts.
Run with the PyTorch venv: /work/venv/bin/python scripts/torch/norm.py
"""
import json
import os

import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(0)


def flat(t):
    return t.detach().flatten().tolist()


def batchnorm_case(name, cls, C, shape, **kw):
    m = cls(C, **kw)
    if m.affine:
        with torch.no_grad():
            m.weight.copy_(torch.rand(C, generator=g) + 0.5)
            m.bias.copy_(torch.randn(C, generator=g) * 0.3)
    xs = [torch.randn(shape, generator=g) * 2 + 1 for _ in range(3)]
    gy = torch.randn(shape, generator=g)
    case = {'name': name, 'numFeatures': C, 'shape': list(shape), 'options': {k: v for k, v in kw.items()},
            'xs': [flat(x) for x in xs], 'gy': flat(gy)}
    if m.affine:
        case['weight'] = flat(m.weight)
        case['bias'] = flat(m.bias)
    m.train()
    x0 = xs[0].clone().requires_grad_(True)
    y0 = m(x0)
    (y0 * gy).sum().backward()
    case['train_y0'] = flat(y0)
    case['grad_x0'] = flat(x0.grad)
    if m.affine:
        case['grad_weight'] = flat(m.weight.grad)
        case['grad_bias'] = flat(m.bias.grad)
    with torch.no_grad():
        m(xs[1])
        m(xs[2])
    if m.track_running_stats:
        case['running_mean'] = flat(m.running_mean)
        case['running_var'] = flat(m.running_var)
        case['num_batches_tracked'] = int(m.num_batches_tracked)
    m.eval()
    xe = torch.randn(shape, generator=g)
    case['x_eval'] = flat(xe)
    case['eval_y'] = flat(m(xe))
    return case


bn = [
    batchnorm_case('bn2d', nn.BatchNorm2d, 3, (4, 3, 3, 2)),
    batchnorm_case('bn2d_momentum_none', nn.BatchNorm2d, 2, (3, 2, 2, 2), momentum=None),
    batchnorm_case('bn1d_nc', nn.BatchNorm1d, 4, (5, 4), momentum=0.3, eps=1e-3),
    batchnorm_case('bn1d_ncl', nn.BatchNorm1d, 2, (3, 2, 4)),
    batchnorm_case('bn1d_no_affine', nn.BatchNorm1d, 3, (4, 3), affine=False),
    batchnorm_case('bn2d_no_track', nn.BatchNorm2d, 2, (2, 2, 2, 2), track_running_stats=False),
]

ln = []
for shape, ns in (([2, 3, 4], [4]), ([2, 3, 4], [3, 4])):
    m = nn.LayerNorm(ns)
    with torch.no_grad():
        m.weight.copy_(torch.rand(ns, generator=g) + 0.5)
        m.bias.copy_(torch.randn(ns, generator=g) * 0.3)
    x = (torch.randn(shape, generator=g) * 2).requires_grad_(True)
    gy = torch.randn(shape, generator=g)
    y = m(x)
    (y * gy).sum().backward()
    ln.append({'shape': shape, 'normalizedShape': ns, 'x': flat(x), 'gy': flat(gy), 'weight': flat(m.weight), 'bias': flat(m.bias),
               'y': flat(y), 'grad_x': flat(x.grad), 'grad_weight': flat(m.weight.grad), 'grad_bias': flat(m.bias.grad)})

up = []
for mode, scale, shape in (('nearest', 2, [1, 2, 2, 3]), ('bilinear', 2, [1, 2, 3, 3]), ('bilinear', (3, 2), [2, 1, 2, 3])):
    x = torch.randn(shape, generator=g).requires_grad_(True)
    kw = {} if mode == 'nearest' else {'align_corners': False}
    y = nn.Upsample(scale_factor=scale, mode=mode, **kw)(x)
    gy = torch.randn(y.shape, generator=g)
    (y * gy).sum().backward()
    up.append({'mode': mode, 'scaleFactor': list(scale) if isinstance(scale, tuple) else scale, 'shape': shape, 'x': flat(x),
               'y': flat(y), 'outShape': list(y.shape), 'gy': flat(gy), 'grad_x': flat(x.grad)})

out = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'torch', 'norm.json')
with open(out, 'w') as f:
    json.dump({'torch': torch.__version__, 'batchNorm': bn, 'layerNorm': ln, 'upsample': up}, f)
    f.write('\n')
print(f'wrote {os.path.normpath(out)}')
