#!/usr/bin/env bash
# Interop check (developer machine, not CI): does transformers 4.47.1 load what jtuner writes, unchanged?
# 1. jtuner merge of ../shared/fixtures/tiny-llava-xtuner-release (XTuner's release layout) into a llava-hf folder;
# 2. a small demo run (stage 2: projector + LoRA) converted with `jtuner convert to-hf`, checked against jtuner's
#    own forward of the converted folder on the same inputs;
# 3. the merge again, written in shards with an index;
# each folder is loaded with LlavaForConditionalGeneration.from_pretrained by ../shared/tools/hf-reference, which
# runs tiny-llava's reference inputs and prints OK/BAD with the logits' and loss' relative errors and any
# checkpoint weight left unused or newly initialised.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fixtures="${JTUNER_FIXTURES:-$root/../shared/fixtures}"
tools="$root/../shared/tools/hf-reference"
eval "$("$tools/setup.sh")"
work="$(mktemp -d /tmp/jtuner-interop.XXXXXX)"
trap 'rm -rf "$work"' EXIT
release="$fixtures/tiny-llava-xtuner-release"
args=$(python3 -c "import json,sys; a=json.load(open('$release/merge_args.json')); print(a['visual_select_layer'], a['select_strategy'], a['image_token_index'])")
read -r layer strategy token <<<"$args"

echo "== jtuner merge (XTuner release -> llava-hf layout)"
"$root/bin/jtuner" merge --llm "$release/llm" --llm-adapter "$release/llm_adapter" \
  --visual-encoder "$release/visual_encoder" --visual-encoder-adapter "$release/visual_encoder_adapter" \
  --projector "$release/projector" --visual-select-layer="$layer" --select-strategy "$strategy" \
  --image-token-index "$token" --output "$work/merged"
echo "== transformers 4.47.1 loads the merged folder"
$HF_PY "$tools/hf_check.py" "$work/merged" "$release/reference.safetensors" --threshold 1e-5

echo "== jtuner demo (small) and convert to-hf of its stage-2 result (projector + LoRA; <image> added)"
"$root/bin/jtuner" demo --samples 48 --held-out 4 --work-dir "$work/demo" | tail -1
"$root/bin/jtuner" convert to-hf "$work/demo/stage2" --output "$work/converted"
python3 "$root/bench/interop/make_inputs.py" inputs "$work/converted" "$work/in.safetensors"
"$root/bin/jtuner" forward --model "$work/converted" --inputs "$work/in.safetensors" --output "$work/jtuner.safetensors"
python3 "$root/bench/interop/make_inputs.py" combine "$work/in.safetensors" "$work/jtuner.safetensors" "$work/ref.safetensors"
echo "== transformers 4.47.1 loads the converted folder; logits and loss against jtuner's on the same inputs"
$HF_PY "$tools/hf_check.py" "$work/converted" "$work/ref.safetensors" --threshold 1e-5

echo "== jtuner merge with --max-shard-size 300KB (shards + index, as save_pretrained)"
"$root/bin/jtuner" merge --llm "$release/llm" --llm-adapter "$release/llm_adapter" \
  --visual-encoder "$release/visual_encoder" --visual-encoder-adapter "$release/visual_encoder_adapter" \
  --projector "$release/projector" --visual-select-layer="$layer" --select-strategy "$strategy" \
  --image-token-index "$token" --max-shard-size 300KB --output "$work/sharded"
ls "$work/sharded"
$HF_PY "$tools/hf_check.py" "$work/sharded" "$release/reference.safetensors" --threshold 1e-5
