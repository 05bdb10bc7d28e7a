#!/usr/bin/env bash
# nabla on a GPU: checks `webgpu` against `cpu` on a few ops, then measures M2 and M3 training at
# batch 64 and 512 and a 4096³ matmul on nabla `webgpu`, and the same on PyTorch CUDA eager (fp32,
# TF32 off) when torch with CUDA is importable. Made for an NVIDIA H100/H200 machine without
# network: it uses the repository's node_modules (the `webgpu` package, Dawn, and tsx); carry
# them along with the working tree, or point NABLA_NODE_MODULES at a copy. Finishes in under
# 8 minutes (every phase has a time limit).
#   bench/gpu.sh          the full run
#   bench/gpu.sh --dry    tiny sizes, a few steps: proves the script on a CPU Vulkan driver (lavapipe)
# Results: one JSON line each from nabla and PyTorch, also written to bench/gpu-results.jsonl.
set -uo pipefail
cd "$(dirname "$0")/.."
DRY=""; [ "${1:-}" = "--dry" ] && DRY="--dry"

if [ ! -d node_modules ] && [ -n "${NABLA_NODE_MODULES:-}" ]; then ln -s "$NABLA_NODE_MODULES" node_modules; fi
if [ ! -e node_modules/webgpu/package.json ] || [ ! -e node_modules/tsx/package.json ]; then
  echo "bench/gpu.sh: node_modules with the 'webgpu' and 'tsx' packages is needed (carry node_modules, or set NABLA_NODE_MODULES)" >&2
  exit 2
fi
# On a machine without a GPU driver, Mesa's CPU driver (lavapipe) stands in (dry runs).
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -n "$DRY" ] && [ -e /usr/share/vulkan/icd.d/lvp_icd.json ]; then
  export VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.json
fi
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader

OUT=bench/gpu-results.jsonl
: > "$OUT"
LIMIT=300; [ -n "$DRY" ] && LIMIT=240
echo "== nabla webgpu" >&2
timeout "$LIMIT" node --import tsx bench/gpu.mts $DRY | tee -a "$OUT"
NABLA_RC=${PIPESTATUS[0]}
[ "$NABLA_RC" -eq 124 ] && echo "bench/gpu.sh: the nabla run passed its ${LIMIT}s limit" >&2

PY=${PYTHON:-python3}
if $PY -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  echo "== PyTorch CUDA eager (fp32, TF32 off)" >&2
  timeout 150 $PY bench/gpu_torch.py $DRY | tee -a "$OUT"
elif [ -n "$DRY" ] && $PY -c 'import torch' 2>/dev/null; then
  echo "== PyTorch (no CUDA: CPU, dry run only)" >&2
  timeout 120 $PY bench/gpu_torch.py --dry | tee -a "$OUT"
else
  echo "== PyTorch with CUDA is not importable: nabla only" >&2
fi
exit "$NABLA_RC"
