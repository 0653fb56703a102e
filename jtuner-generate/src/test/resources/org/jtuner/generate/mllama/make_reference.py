"""Greedy generation of transformers 4.47.1 on ../shared/fixtures/tiny-mllama, the reference of MllamaGenerationTest.

Run from the repository root:
  eval "$(../shared/tools/hf-reference/setup.sh)"
  $HF_PY jtuner-generate/src/test/resources/org/jtuner/generate/mllama/make_reference.py
It writes greedy.json next to this script: for each batch, the prompts (before padding), and the tokens that
MllamaForConditionalGeneration.generate picks (do_sample=False, 10 new tokens, no end token), with the cache and
without it. The batch is left-padded with pad_token_id as MllamaProcessor(padding_side="left") pads; image rows use
the fixture's image (pixel_values, aspect ratio of row 0); a text-only row in a batch with images gets the
processor's empty image slot (pixels 0, aspect_ratio_id 0, aspect_ratio_mask [1,0,0,0], cross_attention_mask 0).
"""
import json
import os
import sys

import torch

sys.path.insert(0, "../shared/tools/hf-reference")
import safet  # noqa: E402
import transformers.generation.utils as generation_utils  # noqa: E402
from transformers import MllamaForConditionalGeneration  # noqa: E402

# Debian's torch 1.13 cannot import torch.distributed.fsdp under Python 3.11; generate only asks whether the model
# is FSDP-managed (it is not), so answer that without the import.
generation_utils.is_fsdp_managed_module = lambda module: False

FIXTURE = "../shared/fixtures/tiny-mllama"
IMAGE, PAD = 320, 312
ref = safet.load(os.path.join(FIXTURE, "reference.safetensors"))
row0 = ref["input_ids"][0].tolist()
text_row = [i for i, m in zip(ref["input_ids"][1].tolist(), ref["attention_mask"][1].tolist()) if m]

BATCHES = {
    "mixed": [row0[:10], text_row[:7], row0[:5]],
    "text_only": [text_row[:7], text_row[:3]],
}

model = MllamaForConditionalGeneration.from_pretrained(FIXTURE).eval()
tiles = int(ref["aspect_ratio_mask"][0, 0].sum())


def inputs(prompts):
    longest = max(len(p) for p in prompts)
    ids = torch.tensor([[PAD] * (longest - len(p)) + p for p in prompts])
    mask = torch.tensor([[0] * (longest - len(p)) + [1] * len(p) for p in prompts])
    out = {"input_ids": ids, "attention_mask": mask}
    if any(IMAGE in p for p in prompts):
        b = len(prompts)
        pv = torch.zeros(b, 1, 4, 3, 32, 32)
        ari = torch.zeros(b, 1, dtype=torch.long)
        arm = torch.zeros(b, 1, 4, dtype=torch.long)
        arm[:, 0, 0] = 1
        xmask = torch.zeros(b, longest, 1, 4, dtype=torch.long)
        for r, row in enumerate(ids.tolist()):
            if IMAGE not in row:
                continue
            pv[r] = torch.from_numpy(ref["pixel_values"][0])
            ari[r] = int(ref["aspect_ratio_ids"][0, 0])
            arm[r] = torch.from_numpy(ref["aspect_ratio_mask"][0])
            xmask[r, row.index(IMAGE):, 0, :tiles] = 1
        out.update(pixel_values=pv, aspect_ratio_ids=ari, aspect_ratio_mask=arm, cross_attention_mask=xmask)
    return out


result = {"transformers": __import__("transformers").__version__, "max_new_tokens": 10}
with torch.no_grad():
    for name, prompts in BATCHES.items():
        entry = {"prompts": prompts}
        for cache in (True, False):
            out = model.generate(**inputs(prompts), max_new_tokens=10, min_new_tokens=10, do_sample=False,
                                 use_cache=cache, eos_token_id=None, pad_token_id=PAD)
            entry["cached" if cache else "uncached"] = out[:, -10:].tolist()
        result[name] = entry
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "greedy.json"), "w") as f:
    json.dump(result, f, indent=1)
print(json.dumps(result))
