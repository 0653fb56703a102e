"""Makes a random Llama folder as torch.save writes it (config.json + pytorch_model.bin), or times torch.load of it.

  python3 torch_checkpoint_load.py make DIR       # hidden 768, 4 layers, MLP 2048, vocab 16000: ~53M params, ~212 MB
  python3 torch_checkpoint_load.py time DIR N     # median ms of torch.load(weights_only-style map_location=cpu)
"""
import json, os, statistics, sys, time
import torch

def make(d):
    os.makedirs(d, exist_ok=True)
    h, inter, layers, vocab, heads, kv = 768, 2048, 4, 16000, 12, 4
    hd = h // heads
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g) * 0.02
    sd = {"model.embed_tokens.weight": r(vocab, h), "lm_head.weight": r(vocab, h), "model.norm.weight": torch.ones(h)}
    for i in range(layers):
        p = f"model.layers.{i}."
        sd.update({p + "self_attn.q_proj.weight": r(h, h), p + "self_attn.k_proj.weight": r(kv * hd, h),
                   p + "self_attn.v_proj.weight": r(kv * hd, h), p + "self_attn.o_proj.weight": r(h, h),
                   p + "mlp.gate_proj.weight": r(inter, h), p + "mlp.up_proj.weight": r(inter, h),
                   p + "mlp.down_proj.weight": r(h, inter), p + "input_layernorm.weight": torch.ones(h),
                   p + "post_attention_layernorm.weight": torch.ones(h)})
    torch.save(sd, os.path.join(d, "pytorch_model.bin"))
    json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": h,
               "intermediate_size": inter, "num_hidden_layers": layers, "num_attention_heads": heads,
               "num_key_value_heads": kv, "vocab_size": vocab, "rms_norm_eps": 1e-5, "max_position_embeddings": 2048,
               "tie_word_embeddings": False}, open(os.path.join(d, "config.json"), "w"), indent=2)

def timed(d, n):
    f = os.path.join(d, "pytorch_model.bin")
    torch.load(f, map_location="cpu")
    ts = []
    for _ in range(n):
        t0 = time.perf_counter(); torch.load(f, map_location="cpu"); ts.append((time.perf_counter() - t0) * 1e3)
    print(f"pytorch torch.load ms {statistics.median(ts):.1f}")

if __name__ == "__main__":
    make(sys.argv[2]) if sys.argv[1] == "make" else timed(sys.argv[2], int(sys.argv[3]))
