/**
 * The PyTorch hand-off: `exportPytorch(model, dir)` writes `model.py` — the equivalent
 * `torch.nn.Module`, generated from the model's architecture (`config()`) — and
 * `weights.safetensors` (the weights in PyTorch's names and layout), so that
 *
 *     from model import build, load_weights
 *     net = build(); load_weights(net, "weights.safetensors")   # load_state_dict(strict=True)
 *
 * gives nabla's outputs, and training continues on PyTorch (several GPUs, several machines:
 * docs/scale-out.md). Layers are mapped one to one and keep their state-dict names, so the
 * weights also load back into nabla with `nb.io.loadSafetensors`.
 */
import { Module, type AnyModule, type LayerConfig } from '../nn/module.js';
import { fail } from '../validate.js';
import { nodeBuiltin } from './node.js';
import { writeFileAtomic } from './file.js';
import { encodeTorchWeights } from './safetensors.js';

type C = LayerConfig & Record<string, unknown>;

const py = (v: unknown): string => {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `(${v.map(py).join(', ')}${v.length === 1 ? ',' : ''})`;
  return String(v);
};

const ACT: Record<string, (c: C) => string> = {
  linear: () => 'nn.Identity()',
  relu: () => 'nn.ReLU()',
  sigmoid: () => 'nn.Sigmoid()',
  tanh: () => 'nn.Tanh()',
  leakyRelu: (c) => `nn.LeakyReLU(${py(c.alpha ?? 0.01)})`,
  elu: (c) => `nn.ELU(${py(c.alpha ?? 1)})`,
  selu: () => 'nn.SELU()',
  swish: () => 'nn.SiLU()',
  softplus: () => 'nn.Softplus()',
  softmax: (c) => `nn.Softmax(dim=${py(c.axis ?? -1)})`,
  logSoftmax: (c) => `nn.LogSoftmax(dim=${py(c.axis ?? -1)})`,
  softmin: (c) => `nn.Softmin(dim=${py(c.axis ?? -1)})`,
  gelu: (c) => `nn.GELU(approximate=${py(c.approximate ?? 'none')})`,
  hardtanh: (c) => `nn.Hardtanh(${py(c.min ?? -1)}, ${py(c.max ?? 1)})`,
  relu6: () => 'nn.ReLU6()',
  softsign: () => 'nn.Softsign()',
  mish: () => 'nn.Mish()',
  hardswish: () => 'nn.Hardswish()',
  logSigmoid: () => 'nn.LogSigmoid()',
};

/** A padding as PyTorch's conv/pool take it; explicit asymmetric padding goes through F.pad (`pad`). */
function padding(op: string, where: string, p: unknown, nd: number): { arg: string; pad: number[] | null } {
  if (p === undefined) return { arg: '0', pad: null };
  if (p === 'same' || p === 'valid') return { arg: py(p), pad: null };
  if (typeof p === 'number') return { arg: String(p), pad: null };
  if (Array.isArray(p) && p.length === nd) return { arg: py(p), pad: null };
  if (Array.isArray(p) && p.length === 2 * nd) {
    // nabla: [top, bottom, left, right] (2-D); F.pad: last axis first → [left, right, top, bottom]
    const pairs: number[][] = [];
    for (let i = 0; i < nd; i++) pairs.push([Number(p[2 * i]), Number(p[2 * i + 1])]);
    return { arg: '0', pad: pairs.reverse().flat() };
  }
  throw new Error(`${op}: ${where}: padding ${JSON.stringify(p)} has no PyTorch form`);
}

/** The Python expression building one layer (its children named as in nabla's state dict). */
function layer(op: string, c: C, where: string): string {
  const t = c.type;
  const w = `${where} (${t})`;
  switch (t) {
    case 'Sequential': {
      const items = (c.layers as C[]).map((l, i) => layer(op, l, `${where}.${i}`));
      return `nn.Sequential(\n${items.map((s) => `    ${s.replace(/\n/g, '\n    ')},`).join('\n')}\n)`;
    }
    case 'Linear':
      return `nn.Linear(${c.inFeatures}, ${c.outFeatures}, bias=${py(c.bias !== false)})`;
    case 'Activation': {
      const f = ACT[String(c.activation)];
      if (!f) throw new Error(`${op}: ${w}: activation '${String(c.activation)}' has no torch.nn module (exportable: ${Object.keys(ACT).join(', ')})`);
      return f(c);
    }
    case 'PReLU':
      return `nn.PReLU(${c.numParameters ?? 1}, init=${py(c.init ?? 0.25)})`;
    case 'Conv1d':
    case 'Conv2d':
    case 'Conv3d': {
      const nd = Number(t[4]);
      const p = padding(op, w, c.padding, nd);
      const mode = c.paddingMode === undefined ? '' : `, padding_mode=${py(c.paddingMode === 'replicate' ? 'replicate' : c.paddingMode)}`;
      const args = `${c.inChannels}, ${c.outChannels}, ${py(c.kernel)}, stride=${py(c.stride ?? 1)}, padding=${p.arg}, dilation=${py(c.dilation ?? 1)}, groups=${py(c.groups ?? 1)}, bias=${py(c.bias !== false)}${mode}`;
      if (p.pad) {
        if (c.paddingMode !== undefined) throw new Error(`${op}: ${w}: asymmetric padding with padding mode '${String(c.paddingMode)}' has no PyTorch form`);
        return `PaddedConv${nd}d(${py(p.pad)}, ${args})`;
      }
      return `nn.Conv${nd}d(${args})`;
    }
    case 'Conv2dTranspose': {
      const p = c.padding;
      if (p !== undefined && typeof p !== 'number' && !(Array.isArray(p) && p.length === 2)) throw new Error(`${op}: ${w}: padding ${JSON.stringify(p)} has no ConvTranspose2d form`);
      return `nn.ConvTranspose2d(${c.inChannels}, ${c.outChannels}, ${py(c.kernel)}, stride=${py(c.stride ?? 1)}, padding=${py(p ?? 0)}, output_padding=${py(c.outputPadding ?? 0)}, groups=${py(c.groups ?? 1)}, bias=${py(c.bias !== false)}, dilation=${py(c.dilation ?? 1)})`;
    }
    case 'MaxPool1d':
    case 'MaxPool2d':
    case 'MaxPool3d':
    case 'AvgPool1d':
    case 'AvgPool2d':
    case 'AvgPool3d': {
      const nd = Number(t.slice(-2, -1));
      const p = padding(op, w, c.padding, nd);
      if (p.pad || p.arg.startsWith('"')) throw new Error(`${op}: ${w}: padding ${JSON.stringify(c.padding)} has no PyTorch pooling form (symmetric numbers only)`);
      const common = `${py(c.kernel)}, stride=${py(c.stride ?? c.kernel)}, padding=${p.arg}, ceil_mode=${py(c.ceilMode === true)}`;
      return t.startsWith('Max') ? `nn.MaxPool${nd}d(${common}, dilation=${py(c.dilation ?? 1)})` : `nn.AvgPool${nd}d(${common}, count_include_pad=${py(c.countIncludePad === true)})`;
    }
    case 'AdaptiveAvgPool1d':
    case 'AdaptiveMaxPool1d':
    case 'AdaptiveAvgPool2d':
    case 'AdaptiveMaxPool2d':
      return `nn.${t}(${py(c.outSize)})`;
    case 'GlobalAvgPool2d':
    case 'GlobalMaxPool2d':
      return `GlobalPool2d(${py(t === 'GlobalAvgPool2d' ? 'avg' : 'max')}, keep_dims=${py(c.keepDims === true)})`;
    case 'Flatten':
      return 'nn.Flatten()';
    case 'Reshape':
      return `Reshape(${py(c.shape)})`;
    case 'Dropout':
      return `nn.Dropout(${py(c.rate)})`;
    case 'Upsample':
      return `nn.Upsample(scale_factor=${py(c.scaleFactor)}, mode=${py(c.mode ?? 'nearest')})`;
    case 'BatchNorm1d':
    case 'BatchNorm2d':
      return `nn.${t}(${c.numFeatures}, eps=${py(c.eps)}, momentum=${py(c.momentum)}, affine=${py(c.affine !== false)}, track_running_stats=${py(c.trackRunningStats !== false)})`;
    case 'LayerNorm':
      return `nn.LayerNorm(${py(c.normalizedShape)}, eps=${py(c.eps)}, elementwise_affine=${py(c.elementwiseAffine !== false)})`;
    case 'Embedding':
      return `nn.Embedding(${c.numEmbeddings}, ${c.dim}${c.paddingIdx === undefined || c.paddingIdx === null ? '' : `, padding_idx=${py(c.paddingIdx)}`})`;
    case 'Residual':
      return `Residual(${layer(op, c.body as C, `${where}.body`)})`;
    case 'Pick': {
      const inner = c.layer as C;
      if (!['RNN', 'LSTM', 'GRU'].includes(inner.type) || (c.key !== 0 && c.key !== undefined)) throw new Error(`${op}: ${w}: only pick(rnn|lstm|gru(…)) (their output sequence) has a PyTorch form here`);
      const extra = inner.type === 'RNN' ? `, nonlinearity=${py(inner.nonlinearity ?? 'tanh')}` : '';
      const rnn = `nn.${inner.type}(${inner.inputSize}, ${inner.hiddenSize}, num_layers=${inner.numLayers ?? 1}, bias=${py(inner.bias !== false)}, batch_first=${py(inner.batchFirst !== false)}, dropout=${py(inner.dropout ?? 0)}, bidirectional=${py(inner.bidirectional === true)}${extra})`;
      return `Recurrent(${rnn}, return_sequences=${py(inner.returnSequences !== false)})`;
    }
    default:
      throw new Error(`${op}: ${w} has no PyTorch form here; exportable: Sequential, Linear, the activations, PReLU, Conv1d/2d/3d, Conv2dTranspose, Max/AvgPool1d/2d/3d, adaptive and global pools, Flatten, Reshape, Dropout, Upsample, BatchNorm1d/2d, LayerNorm, Embedding, Residual, pick(rnn|lstm|gru)`);
  }
}

const PRELUDE = `# Generated by nabla (nb.io.exportPytorch). The torch.nn equivalent of a nabla model:
# layer for layer, with nabla's state-dict names, so weights.safetensors loads with strict=True.
import json
import struct

import torch
import torch.nn.functional as F
from torch import nn


class Recurrent(nn.Module):
    """nabla's pick(lstm(...)): the output sequence, or each sequence's last output."""

    def __init__(self, layer, return_sequences=True):
        super().__init__()
        self.layer = layer
        self.return_sequences = return_sequences

    def forward(self, x):
        y, _ = self.layer(x)
        if self.return_sequences:
            return y
        t = 1 if self.layer.batch_first else 0
        last = y.select(t, y.shape[t] - 1)
        if not self.layer.bidirectional:
            return last
        h = self.layer.hidden_size
        return torch.cat([last[..., :h], y.select(t, 0)[..., h:]], dim=-1)


class Residual(nn.Module):
    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return x + self.body(x)


class Reshape(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


class GlobalPool2d(nn.Module):
    def __init__(self, mode, keep_dims=False):
        super().__init__()
        self.mode, self.keep_dims = mode, keep_dims

    def forward(self, x):
        y = x.mean(dim=(2, 3), keepdim=self.keep_dims) if self.mode == "avg" else x.amax(dim=(2, 3), keepdim=self.keep_dims)
        return y


def _padded(base):
    class Padded(base):
        """A convolution after explicit (possibly asymmetric) zero padding, F.pad order."""

        def __init__(self, pad, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.pad = tuple(pad)

        def forward(self, x):
            return super().forward(F.pad(x, self.pad))

    return Padded


PaddedConv1d, PaddedConv2d, PaddedConv3d = _padded(nn.Conv1d), _padded(nn.Conv2d), _padded(nn.Conv3d)


def load_weights(model, path):
    """Loads weights.safetensors (strict=True); uses the safetensors package when installed."""
    try:
        from safetensors.torch import load_file

        state = load_file(path)
    except ImportError:
        with open(path, "rb") as f:
            raw = f.read()
        (n,) = struct.unpack("<Q", raw[:8])
        header = json.loads(raw[8 : 8 + n])
        kinds = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64, "U8": torch.uint8, "BOOL": torch.bool}
        state = {}
        for name, e in header.items():
            if name == "__metadata__":
                continue
            b, end = e["data_offsets"]
            buf = bytearray(raw[8 + n + b : 8 + n + end])
            state[name] = torch.frombuffer(buf, dtype=kinds[e["dtype"]]).reshape(e["shape"]) if end > b else torch.zeros(e["shape"], dtype=kinds[e["dtype"]])
    model.load_state_dict(state, strict=True)
    return model

`;

/** The text of `model.py` for `model` (see exportPytorch). */
export function pytorchSource(model: AnyModule): string {
  const op = 'pytorchSource';
  if (!(model instanceof Module)) fail(op, 'model', 'a nabla Module', model);
  return sourceOf(op, model);
}

function sourceOf(op: string, model: AnyModule): string {
  const body = layer(op, model.config() as C, 'model');
  return `${PRELUDE}
def build():
    """The model, with freshly initialized weights (load_weights puts nabla's in)."""
    return ${body.replace(/\n/g, '\n    ')}
`;
}

/**
 * Writes `<dir>/model.py` (the equivalent torch.nn.Module: `build()` and `load_weights(model,
 * path)`) and `<dir>/weights.safetensors` (Node; both written atomically). A layer without a
 * PyTorch form is refused, naming it.
 */
export async function exportPytorch(model: AnyModule, dir: string): Promise<{ source: string; weights: string }> {
  const op = 'exportPytorch';
  if (!(model instanceof Module)) fail(op, 'model', 'a nabla Module', model);
  if (typeof dir !== 'string' || dir === '') fail(op, 'dir', 'a folder path', dir);
  const text = sourceOf(op, model);
  const bytes = await encodeTorchWeights(op, model);
  const fs = nodeBuiltin('node:fs/promises', `nb.io.${op}`);
  await fs.mkdir(dir, { recursive: true });
  const source = `${dir}/model.py`;
  const weights = `${dir}/weights.safetensors`;
  await writeFileAtomic(source, text);
  await writeFileAtomic(weights, bytes);
  return { source, weights };
}
