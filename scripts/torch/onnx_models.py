"""Writes test/fixtures/onnx/*.onnx: small PyTorch models exported once with torch.onnx.export
(the TorchScript exporter, dynamo=False, opset 17, dynamic batch), and expected.json: for each,
an input and PyTorch's output(s) on it. nb.io.importOnnx must reproduce them (test/io/onnx-torch.test.ts).
`mlp_external.onnx` keeps its weights in `mlp_external.onnx.data` (ONNX external data).

Run once: /work/venv/bin/python scripts/torch/onnx_models.py (needs `pip install onnx`; the test
needs no Python)."""
import json
import os

import onnx
import torch
import torch.nn as nn

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "onnx")
os.makedirs(OUT, exist_ok=True)


def flat(t):
    return {"shape": list(t.shape), "data": [round(float(v), 7) for v in t.detach().flatten().tolist()]}


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
            nn.Conv2d(4, 4, 3, stride=2, padding=(1, 0), groups=2), nn.Hardswish(), nn.AvgPool2d(2, padding=1, count_include_pad=False),
        )
        self.head = nn.Linear(4 * 2 * 2, 3)

    def forward(self, x):
        return torch.log_softmax(self.head(torch.flatten(self.f(x), 1)), -1)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.t = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.bi = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.c = nn.Conv1d(2, 2, 3, padding=1, padding_mode="reflect")

    def forward(self, x):
        y = self.up(torch.tanh(self.t(x)))
        z = self.bi(y)
        n, c, h, w = z.shape
        return torch.sigmoid(self.c(z.reshape(n, c, h * w)))


class Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(11, 5)
        self.norm = nn.LayerNorm(5)
        self.lstm = nn.LSTM(5, 4, num_layers=2, batch_first=True, bidirectional=True)
        self.gru = nn.GRU(8, 3, batch_first=True)
        self.out = nn.Linear(3, 2)

    def forward(self, ids):
        x = nn.functional.gelu(self.norm(self.emb(ids)))
        y, _ = self.lstm(x)
        z, h = self.gru(y)
        return self.out(z[:, -1]), h


class Rnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(3, 4, nonlinearity="relu", bidirectional=True)
        self.prelu = nn.PReLU(8)
        self.drop = nn.Dropout(0.3)
        self.n = nn.BatchNorm1d(8)

    def forward(self, x):
        y, _ = self.rnn(x)  # [T, B, 8]
        y = self.drop(self.prelu(y.permute(1, 2, 0)))  # [B, 8, T]
        return nn.functional.elu(self.n(y)).mean(-1)


def mlp():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3), nn.Softmax(-1))


def export(name, model, x, outputs=("output",), axes=None, external=False):
    model.eval()
    # Train-mode batch statistics once, so that the running statistics are not the defaults.
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    path = os.path.join(OUT, name + ".onnx")
    dyn = axes or {"input": {0: "batch"}, "output": {0: "batch"}}
    torch.onnx.export(model, (x,), path, input_names=["input"], output_names=list(outputs), dynamic_axes=dyn, opset_version=17, dynamo=False)
    if external:
        m = onnx.load(path)
        onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True, location=name + ".onnx.data", size_threshold=0)
    with torch.no_grad():
        y = model(x)
    ys = y if isinstance(y, tuple) else (y,)
    return {"file": name + ".onnx", "input": flat(x), "int": not x.is_floating_point(), "outputs": [flat(t) for t in ys]}


cases = [
    export("mlp", mlp(), torch.randn(5, 4)),
    export("mlp_external", mlp(), torch.randn(2, 4), external=True),
    export("cnn", Cnn(), torch.randn(2, 2, 9, 9)),
    export("decoder", Decoder(), torch.randn(1, 3, 3, 2)),
    export("seq", Seq(), torch.randint(0, 11, (3, 6)), outputs=("output", "h"), axes={"input": {0: "batch"}}),
    export("rnn", Rnn(), torch.randn(5, 2, 3), axes={"input": {1: "batch"}}),
]
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print("wrote", [c["file"] for c in cases])
