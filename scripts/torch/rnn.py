"""Writes test/fixtures/torch/rnn.json: a 2-layer bidirectional LSTM and a bidirectional GRU on a
padded batch with lengths, their state dicts, outputs, final states, and the gradients of a fixed
weighted sum of them with respect to the input, the initial state and every parameter.

Run once: /work/venv/bin/python scripts/torch/rnn.py (the test reads the JSON; it needs no Python)."""
import json
import os

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(0)
B, T, I, H = 3, 5, 3, 4
lengths = [5, 3, 2]


def flat(t):
    return {"shape": list(t.shape), "data": [round(float(v), 8) for v in t.detach().flatten().tolist()]}


def case(name, layer, with_c):
    x = torch.randn(B, T, I)
    for b, n in enumerate(lengths):
        x[b, n:] = 7.0  # padding the layer must ignore
    x.requires_grad_(True)
    D = 2 if layer.bidirectional else 1
    h0 = (torch.randn(layer.num_layers * D, B, H) * 0.5).requires_grad_(True)
    c0 = (torch.randn(layer.num_layers * D, B, H) * 0.5).requires_grad_(True) if with_c else None
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, state = layer(packed, (h0, c0) if with_c else h0)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
    hn, cn = state if with_c else (state, None)
    wy = torch.randn_like(out)
    wh = torch.randn_like(hn)
    loss = (out * wy).sum() + (hn * wh).sum()
    wc = None
    if with_c:
        wc = torch.randn_like(cn)
        loss = loss + (cn * wc).sum()
    loss.backward()
    res = {
        "config": {"inputSize": I, "hiddenSize": H, "numLayers": layer.num_layers, "bidirectional": layer.bidirectional},
        "lengths": lengths,
        "x": flat(x), "h0": flat(h0),
        "stateDict": {k: flat(v) for k, v in layer.state_dict().items()},
        "output": flat(out), "hn": flat(hn),
        "wy": flat(wy), "wh": flat(wh),
        "grads": {"x": flat(x.grad), "h0": flat(h0.grad), **{k: flat(p.grad) for k, p in layer.named_parameters()}},
    }
    if with_c:
        res.update({"c0": flat(c0), "cn": flat(cn), "wc": flat(wc)})
        res["grads"]["c0"] = flat(c0.grad)
    return res


fixture = {
    "torch": torch.__version__,
    "lstm": case("lstm", torch.nn.LSTM(I, H, num_layers=2, bidirectional=True, batch_first=True), True),
    "gru": case("gru", torch.nn.GRU(I, H, num_layers=1, bidirectional=True, batch_first=True), False),
}
path = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "torch", "rnn.json")
with open(path, "w") as f:
    json.dump(fixture, f, separators=(",", ":"))
print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")
