"""Writes test/fixtures/torch/bce.json: PyTorch's binary cross-entropy (BCELoss and
BCEWithLogitsLoss, with and without pos_weight) under each reduction, for
test/nn/losses.test.ts. Run with the PyTorch venv: /work/venv/bin/python scripts/torch/bce.py
"""
import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
g = torch.Generator().manual_seed(0)

cases = []
for shape in ([4], [2, 3], [2, 2, 2]):
    p = (torch.rand(shape, generator=g) * 0.96 + 0.02)
    z = torch.randn(shape, generator=g) * 3
    t = torch.rand(shape, generator=g).round()
    t.view(-1)[0] = 0.3  # a soft target too
    pw = torch.rand(shape[-1:], generator=g) * 3
    case = {'shape': shape, 'p': p.flatten().tolist(), 'z': z.flatten().tolist(), 't': t.flatten().tolist(), 'posWeight': pw.tolist()}
    for r in ('none', 'sum', 'mean'):
        case[f'bce_{r}'] = F.binary_cross_entropy(p, t, reduction=r).flatten().tolist() if r == 'none' else F.binary_cross_entropy(p, t, reduction=r).item()
        lz = F.binary_cross_entropy_with_logits(z, t, reduction=r)
        case[f'logits_{r}'] = lz.flatten().tolist() if r == 'none' else lz.item()
        lw = F.binary_cross_entropy_with_logits(z, t, pos_weight=pw, reduction=r)
        case[f'logitsPosWeight_{r}'] = lw.flatten().tolist() if r == 'none' else lw.item()
    cases.append(case)

out = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'torch', 'bce.json')
with open(out, 'w') as f:
    json.dump({'torch': torch.__version__, 'cases': cases}, f, indent=1)
    f.write('\n')
print(f'wrote {os.path.normpath(out)}')
