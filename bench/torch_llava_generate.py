"""Greedy KV-cache generation in plain PyTorch: the reference side of bench/generate.sh.

The medium LLaVA of bench/torch_llava_train.py (random F32 weights, eval, torch.no_grad) generating as transformers'
generate does with its DynamicCache: one prefill over the prompt (vision tower to layer -2 without CLS, projector,
the features scattered into the image positions, a causal Llama forward that keeps each layer's keys and values),
then one step per new token that feeds the newest token at its position against the cache (keys/values appended
with torch.cat, as DynamicCache.update does), the logits of the last position only, argmax. Same prompt shape as
org.jtuner.bench.GenerateBench: one image (64 tokens) + T random text tokens per row; exactly N new tokens (no EOS).

One measurement is two generations: max_new_tokens 1 (time to first token) and N (the whole); decode tokens/s =
batch * (N - 1) / (whole - first). Usage: torch_llava_generate.py [--batch B] [--text T] [--new N] [--reps R]
[--warmup-s S]; prints `pytorch generate batch <B> ttft_ms <median> decode_tokens_per_s <median> ...`.
"""
import argparse
import math
import time

import torch
import torch.nn.functional as F

from torch_llava_train import IMAGE_TOKEN, SIZES, Llava, attention, median, rms, rotate_half


def layer_step(layer, x, cos, sin, mask, cache):
    """LlamaLayer.forward with a key/value cache: cache is [k, v] ([B, KV, S, D]) or empty, extended in place."""
    b, t, d = x.shape
    h = rms(x, layer.n1)
    q = layer.q(h).view(b, t, layer.heads, layer.hd).transpose(1, 2)
    k = layer.k(h).view(b, t, layer.kv, layer.hd).transpose(1, 2)
    v = layer.v(h).view(b, t, layer.kv, layer.hd).transpose(1, 2)
    q = q * cos + rotate_half(q) * sin
    k = k * cos + rotate_half(k) * sin
    if cache:
        k = torch.cat([cache[0], k], dim=2)
        v = torch.cat([cache[1], v], dim=2)
        cache[0], cache[1] = k, v
    else:
        cache.extend([k, v])
    k = k.repeat_interleave(layer.heads // layer.kv, dim=1)
    v = v.repeat_interleave(layer.heads // layer.kv, dim=1)
    a = attention(q, k, v, 1.0 / math.sqrt(layer.hd), mask).transpose(1, 2).reshape(b, t, d)
    x = x + layer.o(a)
    h = rms(x, layer.n2)
    return x + layer.down(F.silu(layer.gate(h)) * layer.up(h))


def rope(model, positions):
    inv_freq = 1.0 / (10000 ** (torch.arange(0, model.hd, 2, dtype=torch.float) / model.hd))
    freqs = torch.outer(positions.float(), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos()[None, None], emb.sin()[None, None]


def decoder(model, x, positions, mask, caches):
    cos, sin = rope(model, positions)
    for layer, cache in zip(model.layers, caches):
        x = layer_step(layer, x, cos, sin, mask, cache)
    return model.lm_head(rms(x[:, -1:], model.norm))[:, -1]  # [B, V]: the last position's logits


@torch.no_grad()
def generate(model, ids, pixels, new_tokens):
    b, t = ids.shape
    caches = [[] for _ in model.layers]
    feats = model.proj2(F.gelu(model.proj1(model.tower.features(pixels))))
    image = ids == IMAGE_TOKEN
    x = F.embedding(ids.masked_fill(image, 0), model.embed).masked_scatter(image.unsqueeze(-1), feats)
    logits = decoder(model, x, torch.arange(t), torch.full((t, t), float("-inf")).triu(1), caches)
    out = [logits.argmax(-1)]
    for n in range(1, new_tokens):
        x = F.embedding(out[-1].view(b, 1), model.embed)
        logits = decoder(model, x, torch.tensor([t + n - 1]), None, caches)
        out.append(logits.argmax(-1))
    return torch.stack(out, dim=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--text", type=int, default=64)
    ap.add_argument("--new", type=int, default=64)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup-s", type=float, default=20.0)
    a = ap.parse_args()
    image, patch, v_hid, v_layers, v_heads, v_mlp, hid, layers, heads, kv, mlp, vocab, _, _ = SIZES["medium"]
    torch.manual_seed(0)
    model = Llava(image, patch, v_hid, v_layers, v_heads, v_mlp, hid, layers, heads, kv, mlp, vocab).eval()
    img = (image // patch) ** 2
    ids = torch.randint(0, vocab, (a.batch, img + a.text))
    ids[:, :img] = IMAGE_TOKEN
    pixels = torch.randn(a.batch, 3, image, image)
    started, warmups = time.perf_counter(), 0
    while time.perf_counter() - started < a.warmup_s or warmups < 1:
        generate(model, ids, pixels, a.new)
        warmups += 1
    ttft, decode, tokens = [], [], None
    for _ in range(a.reps):
        t0 = time.perf_counter()
        generate(model, ids, pixels, 1)
        t1 = time.perf_counter()
        tokens = generate(model, ids, pixels, a.new)
        t2 = time.perf_counter()
        ttft.append(1000 * (t1 - t0))
        decode.append(a.batch * (a.new - 1) / ((t2 - t1) - (t1 - t0)))
    head = ",".join(str(int(x)) for x in tokens[0, :8])
    print(f"pytorch generate batch {a.batch} ttft_ms {median(ttft):.1f} decode_tokens_per_s {median(decode):.1f} "
          f"prompt {img + a.text} new {a.new} threads {torch.get_num_threads()} warmup {warmups} reps {a.reps} "
          f"first_tokens {head}", flush=True)


if __name__ == "__main__":
    main()
