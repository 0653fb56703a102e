"""bench/torch_llava_train.py's LLaVA training step under PyTorch DistributedDataParallel (gloo, CPU): the reference
side of bench/ddp.sh, whose jtuner side is org.jtuner.bench.DdpStepBench.

Every rank builds the model from seed 0 (DDP also broadcasts rank 0's weights), takes its own batch (seeded by its
rank), and runs forward, loss.backward() (DDP all-reduces and averages the gradients in buckets, overlapped with the
backward), clip_grad_norm_(1.0), AdamW, zero_grad. The vision tower's last layer and post_layernorm never reach the
loss (LLaVA reads layer -2): they are frozen before wrapping, as DDP requires every parameter to get a gradient
(find_unused_parameters would add a graph walk per step). One rank (--world 1) is the plain step, without DDP.

Usage: torch_llava_ddp.py --rank R --world N [--port P] [--steps N] [--warmup W] [--warmup-s S] [small|medium]
(bench/ddp.sh starts the N processes). Rank 0 prints: `pytorch-ddp <size> world <n> step_ms <median> tokens_per_s
<global> loss <first>..<last> threads <t> warmup <steps> steps <all>`; a step's time is the slowest rank's.
"""
import argparse
import math
import os
import sys
import time

import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_llava_train import LR, MAX_NORM, SIZES, WEIGHT_DECAY, Llava, causal_lm_loss, median, random_batch  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rank", type=int, default=0)
    ap.add_argument("--world", type=int, default=1)
    ap.add_argument("--port", type=int, default=29531)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--warmup-s", type=float, default=0.0)
    ap.add_argument("size", nargs="?", default="medium", choices=sorted(SIZES))
    a = ap.parse_args()
    image, patch, v_hid, v_layers, v_heads, v_mlp, hid, layers, heads, kv, mlp, vocab, batch, text = SIZES[a.size]
    if a.world > 1:
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % a.port, rank=a.rank, world_size=a.world)
    torch.manual_seed(0)
    model = Llava(image, patch, v_hid, v_layers, v_heads, v_mlp, hid, layers, heads, kv, mlp, vocab)
    torch.manual_seed(1000 + a.rank)  # each rank its own batch
    t = (image // patch) ** 2 + text
    ids, labels, pixels = random_batch(a.size)
    # freeze what never reaches the loss (found by one backward), as DDP needs a gradient for every parameter
    causal_lm_loss(model(ids, pixels), labels).backward()
    for p in model.parameters():
        if p.grad is None:
            p.requires_grad_(False)
        p.grad = None
    params = [p for p in model.parameters() if p.requires_grad]
    net = torch.nn.parallel.DistributedDataParallel(model) if a.world > 1 else model
    opt = torch.optim.AdamW(params, lr=LR, betas=(0.9, 0.999), eps=1e-8, weight_decay=WEIGHT_DECAY)
    total, first, last = [], float("nan"), float("nan")
    started, warmup, i = time.perf_counter(), None, 0
    while warmup is None or i < warmup + a.steps:
        done = torch.tensor([1.0 if i >= a.warmup and time.perf_counter() - started >= a.warmup_s else 0.0])
        if a.world > 1:
            dist.all_reduce(done, op=dist.ReduceOp.MAX)  # every rank ends the warm-up at the same step
        if warmup is None and done.item() == 1:
            warmup = i
        t0 = time.perf_counter()
        loss = causal_lm_loss(net(ids, pixels), labels)
        value = loss.item()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, MAX_NORM)
        opt.step()
        opt.zero_grad(set_to_none=True)
        del loss
        ms = torch.tensor([1000 * (time.perf_counter() - t0)], dtype=torch.float64)
        if a.world > 1:
            dist.all_reduce(ms, op=dist.ReduceOp.MAX)  # the step takes as long as its slowest rank
        if not math.isfinite(value):
            raise SystemExit("loss is %s at step %d on rank %d" % (value, i, a.rank))
        if i == 0:
            first = value
        last = value
        if warmup is not None:
            total.append(ms.item())
        i += 1
    if a.rank == 0:
        step = median(total)
        print("pytorch-ddp %s world %d step_ms %.1f tokens_per_s %.1f loss %.4f..%.4f threads %d warmup %d steps %s" % (
            a.size, a.world, step, a.world * batch * t / (step / 1000), first, last, torch.get_num_threads(), warmup,
            ",".join("%.0f" % x for x in total)), flush=True)
    if a.world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
