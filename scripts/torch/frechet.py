"""Fixture for nb.train.metrics.frechetDistance: feature sets and their Frechet distance
d^2 = |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)), computed in float64 with numpy
(covariances with divisor N - 1, as np.cov; tr (S1 S2)^(1/2) from the eigenvalues of the
non-symmetric product S1 @ S2). Writes test/fixtures/torch/frechet.json."""
import json
import os

import numpy as np


def frechet(a, b):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ev = np.linalg.eigvals(s1 @ s2)
    tr_sqrt = np.sqrt(np.clip(ev.real, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


rng = np.random.default_rng(0)
cases = []
# correlated Gaussians of different means and covariances
a = rng.normal(size=(40, 5)) @ rng.normal(size=(5, 5))
b = rng.normal(size=(60, 5)) @ rng.normal(size=(5, 5)) + 0.5
cases.append({"name": "correlated 5-d, 40 vs 60 rows", "a": a.tolist(), "b": b.tolist(), "distance": frechet(a, b)})
# ReLU-like features: non-negative, one feature always 0 (a singular covariance)
c = np.maximum(rng.normal(size=(30, 6)), 0)
c[:, 2] = 0
d = np.maximum(rng.normal(size=(30, 6)) + 0.3, 0)
cases.append({"name": "relu-like 6-d with a dead feature", "a": c.tolist(), "b": d.tolist(), "distance": frechet(c, d)})
# fewer rows than features: rank-deficient covariances
e = rng.normal(size=(4, 7))
f = rng.normal(size=(5, 7)) * 2
cases.append({"name": "rank-deficient 7-d, 4 vs 5 rows", "a": e.tolist(), "b": f.tolist(), "distance": frechet(e, f)})

out = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "torch", "frechet.json")
with open(out, "w") as fh:
    json.dump({"generator": "scripts/torch/frechet.py (numpy " + np.__version__ + ")", "cases": cases}, fh)
print([c["distance"] for c in cases])
