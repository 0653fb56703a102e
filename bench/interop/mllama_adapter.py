"""A PEFT-format LoRA adapter for tiny-mllama's text model, written with numpy (as PeftModel.save_pretrained lays it
out: adapter_config.json + adapter_model.safetensors, keys base_model.model.<module path>.lora_A/B.weight), so the
interop script can check that `jtuner merge --mllama` merges it and transformers loads the result.
  python3 mllama_adapter.py OUT_DIR"""
import json, os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_inputs import save

out = sys.argv[1]; os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(11)
r, hidden, inter, kv = 4, 64, 128, 32
shapes = {"language_model.model.layers.0.self_attn.v_proj": (kv, hidden),
          "language_model.model.layers.2.cross_attn.q_proj": (hidden, hidden),
          "language_model.model.layers.2.cross_attn.k_proj": (kv, hidden),
          "language_model.model.layers.3.mlp.down_proj": (hidden, inter)}
tensors = {}
for path, (o, i) in shapes.items():
    tensors[f"base_model.model.{path}.lora_A.weight"] = (rng.standard_normal((r, i)) * 0.1).astype(np.float32)
    tensors[f"base_model.model.{path}.lora_B.weight"] = (rng.standard_normal((o, r)) * 0.1).astype(np.float32)
save(os.path.join(out, "adapter_model.safetensors"), tensors)
json.dump({"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": r, "lora_alpha": 8, "lora_dropout": 0.0,
           "bias": "none", "target_modules": "language_model\\.model\\.layers\\.(0\\.self_attn\\.v_proj|2\\.cross_attn\\.(q_proj|k_proj)|3\\.mlp\\.down_proj)",
           "base_model_name_or_path": "tiny-mllama"}, open(os.path.join(out, "adapter_config.json"), "w"), indent=2)
