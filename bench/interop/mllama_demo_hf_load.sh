#!/usr/bin/env bash
# Interop check for mllama training (developer machine, not CI): does transformers 4.47.1's
# MllamaForConditionalGeneration.from_pretrained load what `jtuner convert to-hf` writes for a trained mllama run,
# with the same logits and loss as jtuner? It trains `jtuner demo --mllama` (a tiny Llama-3.2-Vision from nothing),
# converts the run, runs `jtuner forward` on tiny-mllama's reference inputs (32-pixel tiles, 4 tiles, as the demo
# model takes them) and has hf_check.py (../shared/tools/hf-reference) compare transformers' logits and loss with
# jtuner's: OK/BAD with the relative errors, and any weight transformers left unused or had to initialise.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fixtures="${JTUNER_FIXTURES:-$root/../shared/fixtures}"
tools="$root/../shared/tools/hf-reference"
eval "$("$tools/setup.sh")"
work="$(mktemp -d /tmp/jtuner-mllama-train-interop.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fx="$fixtures/tiny-mllama"

echo "== jtuner demo --mllama"
"$root/bin/jtuner" demo --mllama --work-dir "$work/demo"
echo "== jtuner convert to-hf of the trained run"
"$root/bin/jtuner" convert to-hf "$work/demo/train" --output "$work/hf"
echo "== jtuner forward of the folder on tiny-mllama's inputs; transformers loads the folder and runs the same inputs"
"$root/bin/jtuner" forward --model "$work/hf" --inputs "$fx/reference.safetensors" --output "$work/jtuner.safetensors"
python3 "$root/bench/interop/make_inputs.py" combine "$fx/reference.safetensors" "$work/jtuner.safetensors" "$work/ref.safetensors"
$HF_PY "$tools/hf_check.py" "$work/hf" "$work/ref.safetensors" --threshold 1e-5
