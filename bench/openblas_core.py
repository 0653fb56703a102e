#!/usr/bin/python3
"""Which OpenBLAS kernel ("core") PyTorch's F32 matmul should run on: the helper of bench/openblas-core.sh.

Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) picks its kernel from the CPU id and falls back to the generic Prescott
kernel on CPUs it does not know (Sapphire Rapids), 3-4x slower than its SkylakeX kernel there; OPENBLAS_CORETYPE
forces one. A forced kernel the CPU cannot run dies (SIGILL) or, where OpenBLAS does not know the name, is ignored,
so each candidate runs in a process of its own and reports the kernel OpenBLAS says it uses.

  openblas_core.py probe          with this environment's OPENBLAS_CORETYPE: prints
                                  "core=<name> gflops=<best> max_rel_err=<e>" for a 512^3 F32 torch.mm (the best run of
                                  0.6 s: the least disturbed by other load on a shared machine), the error
                                  taken on 64 entries against an exact float64 sum (math.fsum: independent of BLAS)
  openblas_core.py choose         probes OpenBLAS's own pick; when it is less capable than the CPU's flags allow
                                  (/proc/cpuinfo against KERNELS below), probes each better kernel the flags allow;
                                  prints one line per probe, then "best=<core> default=<core> reason=...": the
                                  fastest whose product is correct (OpenBLAS's own pick when within 10%, so that noise
                                  on a shared machine does not flip the choice)
"""
import ctypes
import math
import os
import random
import subprocess
import sys
import time

import torch

N, WARMUP_S, TIMED_S, TOLERANCE, ROUNDS = 512, 0.3, 0.6, 1e-4, 2


def corename():
    with open("/proc/self/maps") as maps:
        libs = sorted({line.split()[-1] for line in maps if "openblas" in line and line.split()[-1].startswith("/")})
    for lib in libs:
        try:
            h = ctypes.CDLL(lib)
            h.openblas_get_corename.restype = ctypes.c_char_p
            return h.openblas_get_corename().decode()
        except (OSError, AttributeError):
            continue
    return "none"


def probe():
    torch.manual_seed(0)
    a, b = torch.randn(N, N), torch.randn(N, N)
    c = torch.mm(a, b)
    end = time.perf_counter() + WARMUP_S
    while time.perf_counter() < end:
        torch.mm(a, b, out=c)
    times, end = [], time.perf_counter() + TIMED_S
    while time.perf_counter() < end or len(times) < 5:
        t0 = time.perf_counter()
        torch.mm(a, b, out=c)
        times.append(time.perf_counter() - t0)
    rnd = random.Random(1)
    al, bl, cl, worst, scale = a.tolist(), b.t().tolist(), c.tolist(), 0.0, 0.0
    for _ in range(64):
        i, j = rnd.randrange(N), rnd.randrange(N)
        exact = math.fsum(x * y for x, y in zip(al[i], bl[j]))
        worst = max(worst, abs(cl[i][j] - exact))
        scale = max(scale, math.sqrt(math.fsum(x * x for x in al[i]) * math.fsum(y * y for y in bl[j])))
    print("core=%s gflops=%.1f max_rel_err=%.2e" % (corename(), 2.0 * N ** 3 / min(times) / 1e9,
                                                   worst / scale), flush=True)


def run_probe(coretype):
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    # A test hook: OPENBLAS_SIMULATE_DEFAULT=Prescott makes "OpenBLAS's own pick" Prescott, as on a CPU it does not know
    if coretype is None and env.get("OPENBLAS_SIMULATE_DEFAULT"):
        env["OPENBLAS_CORETYPE"] = env["OPENBLAS_SIMULATE_DEFAULT"]
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "probe"], env=env, capture_output=True, text=True)
    line = p.stdout.strip().splitlines()[-1] if p.returncode == 0 and p.stdout.strip() else ""
    fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    return fields if "core" in fields else {"core": "failed(rc=%d)" % p.returncode, "gflops": "0", "max_rel_err": "inf"}


# OpenBLAS's x86-64 kernels from the most capable down, with the CPU flags each needs (Zen uses Haswell's kernels).
KERNELS = [("SapphireRapids", {"amx_tile", "amx_bf16", "avx512_fp16"}), ("Cooperlake", {"avx512_bf16", "avx512bw"}),
           ("SkylakeX", {"avx512f", "avx512bw", "avx512vl", "avx512dq"}), ("Haswell", {"avx2", "fma"}),
           ("Sandybridge", {"avx"}), ("Nehalem", {"sse4_2"}), ("Prescott", set())]
RANK = {name.lower(): len(KERNELS) - i for i, (name, _) in enumerate(KERNELS)}
RANK.update({"zen": RANK["haswell"], "skylake": RANK["haswell"], "excavator": RANK["sandybridge"]})


def runnable_kernels():
    """The kernels this CPU's flags allow, most capable first."""
    with open("/proc/cpuinfo") as f:
        flags = set(next((l.split(":", 1)[1].split() for l in f if l.startswith("flags")), []))
    return [name for name, need in KERNELS if need <= flags]


def good(r):
    return float(r["max_rel_err"]) < TOLERANCE


def show(label, r):
    print("probe %s: core=%s gflops=%s max_rel_err=%s %s" % (label, r["core"], r["gflops"], r["max_rel_err"],
                                                            "ok" if good(r) else "WRONG"), flush=True)


def choose():
    """Keeps OpenBLAS's own pick when it is as capable as the CPU's flags allow, else times the better kernels."""
    runnable = runnable_kernels()
    default = run_probe(None)
    show("default", default)
    rank = RANK.get(default["core"].lower(), 0)
    if good(default) and rank >= RANK[runnable[0].lower()]:
        print("best=%s default=%s reason=OpenBLAS's own kernel is the most capable the CPU flags allow (%s)"
              % (default["core"], default["core"], runnable[0]))
        return
    results = {default["core"]: default} if good(default) else {}
    for _ in range(ROUNDS):  # interleaved rounds, the best of each kernel: other load hits every kernel alike
        for cand in [default["core"]] * bool(results) + [c for c in runnable if RANK[c.lower()] > rank]:
            r = run_probe(None if cand == default["core"] else cand)
            show("OPENBLAS_CORETYPE=" + cand, r)
            # OpenBLAS ignores a name it does not know and keeps its default: count only what it really ran
            if good(r) and r["core"].lower() == cand.lower():
                if cand not in results or float(r["gflops"]) > float(results[cand]["gflops"]):
                    results[cand] = r
    if not results:
        print("best=none default=%s reason=no kernel gave a correct product" % default["core"])
        return
    best = max(results, key=lambda k: float(results[k]["gflops"]))
    if default["core"] in results and float(results[default["core"]]["gflops"]) >= 0.9 * float(results[best]["gflops"]):
        best = default["core"]
    print("best=%s default=%s reason=OpenBLAS's own kernel (%s) is below what the CPU flags allow (%s): the fastest "
          "correct of those timed" % (best, default["core"], default["core"], runnable[0]))


if __name__ == "__main__":
    if sys.argv[1:2] == ["probe"]:
        probe()
    elif sys.argv[1:2] == ["choose"]:
        choose()
    else:
        sys.exit(__doc__)
