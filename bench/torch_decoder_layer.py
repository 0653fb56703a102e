"""One Llama decoder layer, forward + backward, in plain PyTorch: the reference for bench/engine.sh.

hidden 512, 8 heads, 4 kv heads, MLP 1376, batch 8 x sequence 192, F32, all weights trained.
Prints one line: `pytorch decoder_layer ms <median>` (median of the timed steps after warm-up).
"""
import math
import sys
import time

import torch

torch.manual_seed(0)
B, T, D, H, KV, MLP = 8, 192, 512, 8, 4, 1376
HD = D // H
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 10


def p(*shape):
    return (torch.randn(*shape) * 0.02).requires_grad_(True)


wq, wk, wv, wo = p(D, D), p(KV * HD, D), p(KV * HD, D), p(D, D)
wg, wu, wd = p(MLP, D), p(MLP, D), p(D, MLP)
n1 = torch.ones(D, requires_grad=True)
n2 = torch.ones(D, requires_grad=True)
params = [wq, wk, wv, wo, wg, wu, wd, n1, n2]

inv_freq = 1.0 / (10000 ** (torch.arange(0, HD, 2, dtype=torch.float) / HD))
pos = torch.arange(T, dtype=torch.float)
freqs = torch.outer(pos, inv_freq)
emb = torch.cat((freqs, freqs), dim=-1)
cos, sin = emb.cos()[None, None], emb.sin()[None, None]
mask = torch.full((T, T), float("-inf")).triu(1)


def rms(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w


def rotate_half(x):
    x1, x2 = x[..., : HD // 2], x[..., HD // 2:]
    return torch.cat((-x2, x1), dim=-1)


def layer(x):
    h = rms(x, n1)
    q = (h @ wq.t()).view(B, T, H, HD).transpose(1, 2)
    k = (h @ wk.t()).view(B, T, KV, HD).transpose(1, 2)
    v = (h @ wv.t()).view(B, T, KV, HD).transpose(1, 2)
    q = q * cos + rotate_half(q) * sin
    k = k * cos + rotate_half(k) * sin
    k = k.repeat_interleave(H // KV, dim=1)
    v = v.repeat_interleave(H // KV, dim=1)
    att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(HD) + mask, dim=-1)
    a = (att @ v).transpose(1, 2).reshape(B, T, D)
    x = x + a @ wo.t()
    m = rms(x, n2)
    return x + (torch.nn.functional.silu(m @ wg.t()) * (m @ wu.t())) @ wd.t()


x = torch.randn(B, T, D)
seed = torch.randn(B, T, D)
times = []
for i in range(3 + steps):
    for q_ in params:
        q_.grad = None
    t0 = time.perf_counter()
    out = layer(x)
    out.backward(seed)
    dt = time.perf_counter() - t0
    if i >= 3:
        times.append(dt)
times.sort()
print(f"pytorch decoder_layer ms {1000 * times[len(times) // 2]:.2f} threads {torch.get_num_threads()}")
