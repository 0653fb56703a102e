"""One full LLaVA training step in plain PyTorch: the reference side of bench/train_cpu.sh.

The same model, shapes and step as jtuner's org.jtuner.bench.TrainStepBench: a CLIP vision tower (conv patch
embedding, CLS token, position embeddings, pre-layernorm, pre-norm encoder layers with quick_gelu) read at layer -2
with the CLS token dropped (64 patch tokens); the projector (linear, gelu, linear); the features take the first 64
positions of each row (masked_scatter, as transformers does), the text tokens follow; a Llama decoder (RMSNorm, rope,
GQA, SwiGLU, untied lm_head); transformers' shifted causal-LM cross-entropy (labels: random ids at the text
positions, -100 at the image positions); loss.backward(), clip_grad_norm_(1.0), AdamW, zero_grad. Every parameter
is F32 and trained (the tower's last layer and post_layernorm exist but, as in jtuner and in LLaVA, their output
never reaches the loss, so they are not run and get no gradient). Attention is written out as jtuner computes it:
matmul, scale, additive causal mask, softmax, matmul (torch 1.13 has no scaled_dot_product_attention).

Usage: torch_llava_train.py [--steps N] [--warmup W] [--warmup-s S] [small] [medium]
N timed steps after a warm-up of at least W steps and S seconds. Prints per size: `pytorch <size> step_ms <median>
tokens_per_s <x> fwd_ms <f> bwd_ms <b> opt_ms <o> loss <first>..<last> params <n> threads <t> warmup <steps>
steps <all>` (medians over the timed steps).
"""
import argparse
import math
import os
import time

import torch
import torch.nn.functional as F

SIZES = {
    #          image patch vHid vLay vHeads vMlp  hid lay heads kv  mlp   vocab batch text
    "small": (64, 8, 128, 4, 4, 512, 256, 4, 8, 4, 688, 4096, 8, 64),
    "medium": (112, 14, 256, 6, 8, 1024, 512, 8, 8, 4, 1376, 8192, 8, 128),
}
IMAGE_TOKEN = -200
LR, MAX_NORM, WEIGHT_DECAY = 1e-4, 1.0, 0.0


def param(*shape, std=0.02):
    return torch.nn.Parameter(torch.randn(*shape) * std)


def zeros(*shape):
    return torch.nn.Parameter(torch.zeros(*shape))


def ones(*shape):
    return torch.nn.Parameter(torch.ones(*shape))


class Linear(torch.nn.Module):
    def __init__(self, i, o, bias=True):
        super().__init__()
        self.weight = param(o, i)
        self.bias = zeros(o) if bias else None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


def attention(q, k, v, scale, mask):
    """q [B, H, T, D], k/v [B, H, S, D] (kv heads already repeated); mask additive [T, S] or None."""
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale
    if mask is not None:
        scores = scores + mask
    return torch.matmul(torch.softmax(scores, dim=-1), v)


class ClipLayer(torch.nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.heads, self.hd = heads, d // heads
        self.q, self.k, self.v, self.o = Linear(d, d), Linear(d, d), Linear(d, d), Linear(d, d)
        self.ln1_w, self.ln1_b, self.ln2_w, self.ln2_b = ones(d), zeros(d), ones(d), zeros(d)
        self.fc1, self.fc2 = Linear(d, mlp), Linear(mlp, d)

    def forward(self, x):
        b, t, d = x.shape
        h = F.layer_norm(x, (d,), self.ln1_w, self.ln1_b, 1e-5)
        q = self.q(h).view(b, t, self.heads, self.hd).transpose(1, 2)
        k = self.k(h).view(b, t, self.heads, self.hd).transpose(1, 2)
        v = self.v(h).view(b, t, self.heads, self.hd).transpose(1, 2)
        a = attention(q, k, v, self.hd ** -0.5, None).transpose(1, 2).reshape(b, t, d)
        x = x + self.o(a)
        h = F.layer_norm(x, (d,), self.ln2_w, self.ln2_b, 1e-5)
        h = self.fc1(h)
        h = h * torch.sigmoid(1.702 * h)  # quick_gelu
        return x + self.fc2(h)


class ClipTower(torch.nn.Module):
    def __init__(self, image, patch, d, layers, heads, mlp):
        super().__init__()
        self.patch, self.d = patch, d
        n = (image // patch) ** 2 + 1
        self.class_embedding = param(d)
        self.patch_embedding = param(d, 3, patch, patch)
        self.position_embedding = param(n, d)
        self.pre_w, self.pre_b = ones(d), zeros(d)
        self.layers = torch.nn.ModuleList([ClipLayer(d, heads, mlp) for _ in range(layers)])
        self.post_w, self.post_b = ones(d), zeros(d)  # post_layernorm: pools the CLS of the last layer, unused here

    def features(self, pixels):
        """Hidden state -2 (the output of layer L-1; layer L is not run) without the CLS token: [N, P, D]."""
        b = pixels.shape[0]
        x = F.conv2d(pixels, self.patch_embedding, stride=self.patch).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.view(1, 1, -1).expand(b, 1, self.d), x], dim=1)
        x = x + self.position_embedding
        x = F.layer_norm(x, (self.d,), self.pre_w, self.pre_b, 1e-5)
        for layer in self.layers[:-1]:
            x = layer(x)
        return x[:, 1:]


def rms(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class LlamaLayer(torch.nn.Module):
    def __init__(self, d, heads, kv, mlp):
        super().__init__()
        self.heads, self.kv, self.hd = heads, kv, d // heads
        self.q, self.k = Linear(d, d, False), Linear(d, kv * self.hd, False)
        self.v, self.o = Linear(d, kv * self.hd, False), Linear(d, d, False)
        self.gate, self.up, self.down = Linear(d, mlp, False), Linear(d, mlp, False), Linear(mlp, d, False)
        self.n1, self.n2 = ones(d), ones(d)

    def forward(self, x, cos, sin, mask):
        b, t, d = x.shape
        h = rms(x, self.n1)
        q = self.q(h).view(b, t, self.heads, self.hd).transpose(1, 2)
        k = self.k(h).view(b, t, self.kv, self.hd).transpose(1, 2)
        v = self.v(h).view(b, t, self.kv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(self.heads // self.kv, dim=1)
        v = v.repeat_interleave(self.heads // self.kv, dim=1)
        a = attention(q, k, v, 1.0 / math.sqrt(self.hd), mask).transpose(1, 2).reshape(b, t, d)
        x = x + self.o(a)
        h = rms(x, self.n2)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Llava(torch.nn.Module):
    def __init__(self, image, patch, v_hid, v_layers, v_heads, v_mlp, hid, layers, heads, kv, mlp, vocab):
        super().__init__()
        self.tower = ClipTower(image, patch, v_hid, v_layers, v_heads, v_mlp)
        self.proj1, self.proj2 = Linear(v_hid, hid), Linear(hid, hid)
        self.embed = param(vocab, hid)
        self.layers = torch.nn.ModuleList([LlamaLayer(hid, heads, kv, mlp) for _ in range(layers)])
        self.norm = ones(hid)
        self.lm_head = Linear(hid, vocab, False)
        self.hd = hid // heads

    def forward(self, ids, pixels):
        b, t = ids.shape
        feats = self.proj2(F.gelu(self.proj1(self.tower.features(pixels))))  # [N, P, D]
        image = ids == IMAGE_TOKEN
        x = F.embedding(ids.masked_fill(image, 0), self.embed)
        x = x.masked_scatter(image.unsqueeze(-1), feats)
        inv_freq = 1.0 / (10000 ** (torch.arange(0, self.hd, 2, dtype=torch.float) / self.hd))
        freqs = torch.outer(torch.arange(t, dtype=torch.float), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        mask = torch.full((t, t), float("-inf")).triu(1)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.lm_head(rms(x, self.norm))  # [B, T, V]


def causal_lm_loss(logits, labels):
    shifted = torch.cat([labels[:, 1:], torch.full_like(labels[:, :1], -100)], dim=1)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), shifted.reshape(-1), ignore_index=-100)


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def random_batch(name):
    """One batch of a size, from torch's current random state: ids (image positions first), labels (-100 at the
    image positions) and pixel values."""
    image, patch, _, _, _, _, _, _, _, _, _, vocab, batch, text = SIZES[name]
    img = (image // patch) ** 2
    t = img + text
    ids = torch.randint(0, vocab, (batch, t))
    ids[:, :img] = IMAGE_TOKEN
    labels = torch.randint(0, vocab, (batch, t))
    labels[:, :img] = -100
    return ids, labels, torch.randn(batch, 3, image, image)


def run(name, min_warmup, warmup_s, steps):
    image, patch, v_hid, v_layers, v_heads, v_mlp, hid, layers, heads, kv, mlp, vocab, batch, text = SIZES[name]
    torch.manual_seed(0)
    model = Llava(image, patch, v_hid, v_layers, v_heads, v_mlp, hid, layers, heads, kv, mlp, vocab)
    params = list(model.parameters())
    t = (image // patch) ** 2 + text
    ids, labels, pixels = random_batch(name)
    opt = torch.optim.AdamW(params, lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=WEIGHT_DECAY)
    total, fwd, bwd, optim = [], [], [], []
    first = last = float("nan")
    started = time.perf_counter()
    warmup = None  # known once the warm-up ends: at least min_warmup steps and warmup_s seconds
    i = 0
    while warmup is None or i < warmup + steps:
        if warmup is None and i >= min_warmup and time.perf_counter() - started >= warmup_s:
            warmup = i
        t0 = time.perf_counter()
        loss = causal_lm_loss(model(ids, pixels), labels)
        value = loss.item()
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(params, MAX_NORM)
        opt.step()
        opt.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        del loss
        if not math.isfinite(value):
            raise SystemExit(f"loss is {value} at step {i}")
        if i == 0:
            first = value
        last = value
        if warmup is not None:
            total.append(1000 * (t3 - t0))
            fwd.append(1000 * (t1 - t0))
            bwd.append(1000 * (t2 - t1))
            optim.append(1000 * (t3 - t2))
        i += 1
    ms = median(total)
    n = sum(p.numel() for p in params)
    print(f"pytorch {name} step_ms {ms:.1f} tokens_per_s {batch * t / (ms / 1000):.1f} fwd_ms {median(fwd):.1f} "
          f"bwd_ms {median(bwd):.1f} opt_ms {median(optim):.1f} loss {first:.4f}..{last:.4f} params {n} "
          f"threads {torch.get_num_threads()} warmup {warmup} steps {','.join(f'{x:.0f}' for x in total)}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--warmup-s", type=float, default=0.0)
    ap.add_argument("--info", action="store_true", help="print the torch version and threads, then exit")
    ap.add_argument("sizes", nargs="*", help="small, medium (default: both)")
    a = ap.parse_args()
    for name in a.sizes:
        if name not in SIZES:
            ap.error(f"unknown size {name!r} (sizes: {', '.join(SIZES)})")
    if a.info:
        x = torch.randn(64, 64)
        x @ x  # maps the BLAS library
        with open("/proc/self/maps") as maps:
            blas = sorted({os.path.basename(line.split()[-1]) for line in maps if "blas" in line.split()[-1]})
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS: {' '.join(blas) or 'none mapped'}")
        return
    torch.set_grad_enabled(True)
    for name in a.sizes or list(SIZES):
        run(name, a.warmup, a.warmup_s, a.steps)


if __name__ == "__main__":
    main()
