"""Writes test/fixtures/safetensors/cnn.safetensors (a small CNN's state_dict, saved with
safetensors.torch.save_file) and cnn.json (an input and the model's output in eval mode).
nb.io.loadSafetensors must load it into the same nabla model and reproduce the output
(test/io/safetensors.test.ts).

Run once: /work/venv/bin/python scripts/torch/safetensors_model.py (needs `pip install safetensors`;
the test needs no Python)."""
import json
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "safetensors")
os.makedirs(OUT, exist_ok=True)

model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
model.train()
model(torch.randn(6, 1, 4, 4) * 2 + 1)  # running statistics that are not the defaults
model.eval()
save_file(model.state_dict(), os.path.join(OUT, "cnn.safetensors"), metadata={"producer": "pytorch"})
x = torch.randn(2, 1, 4, 4)
with torch.no_grad():
    y = model(x)


def flat(t):
    return {"shape": list(t.shape), "data": [round(float(v), 7) for v in t.flatten().tolist()]}


with open(os.path.join(OUT, "cnn.json"), "w") as f:
    json.dump({"input": flat(x), "output": flat(y)}, f)
print("wrote cnn.safetensors, cnn.json")
