#!/usr/bin/env bash
# Interop check for Llama-3.2-Vision (developer machine, not CI): does transformers 4.47.1's
# MllamaForConditionalGeneration.from_pretrained load what jtuner writes, with the same logits?
# 1. `jtuner merge --mllama` of tiny-mllama with no adapter (a plain re-save): checked against the fixture's own
#    reference (made by transformers 4.47.1), 1e-5;
# 2. the same, sharded (--max-shard-size 300KB: shards + index);
# 3. a PEFT-layout LoRA adapter on the text model's self-attention, cross-attention and MLP merged in by
#    `jtuner merge --mllama --llm-adapter`: transformers' logits and loss on the fixture's mixed batch against
#    `jtuner forward` of the merged folder (and the merged logits must differ from the base's);
#    The same merge with --dtype bf16 in shards (Meta's layout), against `jtuner forward` of that folder;
# 4. the whole model trained three AdamW steps from pixels by jtuner and saved in shards (MllamaTrainedSaveTest with
#    -Djtuner.interop.out): transformers' logits and loss against jtuner's of the trained model.
# hf_check.py (../shared/tools/hf-reference) prints OK/BAD with the relative errors and any checkpoint weight
# that transformers left unused or had to initialise.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fixtures="${JTUNER_FIXTURES:-$root/../shared/fixtures}"
tools="$root/../shared/tools/hf-reference"
eval "$("$tools/setup.sh")"
work="$(mktemp -d /tmp/jtuner-mllama-interop.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fx="$fixtures/tiny-mllama"

echo "== jtuner merge --mllama (plain re-save of tiny-mllama)"
"$root/bin/jtuner" merge --mllama "$fx" --output "$work/resaved"
echo "== transformers 4.47.1 loads it: the fixture's reference"
$HF_PY "$tools/hf_check.py" "$work/resaved" "$fx/reference.safetensors" --threshold 1e-5

echo "== the same in shards (--max-shard-size 300KB)"
"$root/bin/jtuner" merge --mllama "$fx" --max-shard-size 300KB --output "$work/sharded"
ls "$work/sharded"
$HF_PY "$tools/hf_check.py" "$work/sharded" "$fx/reference.safetensors" --threshold 1e-5

echo "== a PEFT LoRA adapter on the text model merged by jtuner; transformers vs jtuner forward of the merged folder"
python3 "$root/bench/interop/mllama_adapter.py" "$work/adapter"
"$root/bin/jtuner" merge --mllama "$fx" --llm-adapter "$work/adapter" --output "$work/merged"
"$root/bin/jtuner" forward --model "$work/merged" --inputs "$fx/reference.safetensors" --output "$work/jtuner.safetensors"
python3 "$root/bench/interop/make_inputs.py" combine "$fx/reference.safetensors" "$work/jtuner.safetensors" "$work/ref.safetensors"
$HF_PY "$tools/hf_check.py" "$work/merged" "$work/ref.safetensors" --threshold 1e-5
python3 -c "
import sys; sys.path.insert(0, '$root/bench/interop')
from make_inputs import load
import numpy as np
a, b = load('$fx/reference.safetensors')['logits'], load('$work/jtuner.safetensors')['logits']
print('merged adapter changes the logits by %.3f (relative)' % (np.linalg.norm(a - b) / np.linalg.norm(a)))"

echo "== the same merge as Meta publishes checkpoints (--dtype bf16, shards); transformers vs jtuner forward of it"
"$root/bin/jtuner" merge --mllama "$fx" --llm-adapter "$work/adapter" --dtype bf16 --max-shard-size 300KB --output "$work/merged-bf16"
ls "$work/merged-bf16"
"$root/bin/jtuner" forward --model "$work/merged-bf16" --inputs "$fx/reference.safetensors" --output "$work/jtuner-bf16.safetensors"
python3 "$root/bench/interop/make_inputs.py" combine "$fx/reference.safetensors" "$work/jtuner-bf16.safetensors" "$work/ref-bf16.safetensors"
$HF_PY "$tools/hf_check.py" "$work/merged-bf16" "$work/ref-bf16.safetensors" --threshold 1e-5

echo "== the whole model trained 3 AdamW steps by jtuner (MllamaTrainedSaveTest), saved in shards; transformers vs jtuner"
(cd "$root" && source bin/java-env && mvn -o -q -B -pl jtuner-models -am test -Dtest=MllamaTrainedSaveTest \
  -Dsurefire.failIfNoSpecifiedTests=false -Djtuner.interop.out="$work/trained" | grep -e 'AdamW steps' -e 'interop:')
ls "$work/trained"
$HF_PY "$tools/hf_check.py" "$work/trained" "$work/trained.reference.safetensors" --threshold 1e-5
