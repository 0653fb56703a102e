#!/usr/bin/python3
"""F32 matrix products in PyTorch on the CPU: the reference side of bench/matmul.sh (and of bench/engine.sh).

bench/matmul.sh form: torch_matmul.py [--runs R] [--warmup-s W] SHAPE...   with SHAPE = MxNxK[:AB], A/B = N (as
stored) or T (transposed). op(A) is m×k: stored m×k, or k×m and transposed (a.t()); op(B) is k×n: stored k×n, or n×k
and transposed, like Sgemm.gemm's transA/transB, so torch hands the transposes to BLAS without copying.
Prints one line per shape: "pytorch <shape> median_gflops=<x> best_gflops=<y> threads=<t>".
torch_matmul.py --info prints which BLAS does the work.

bench/engine.sh form: torch_matmul.py N [REPS]   a square N³ product, 5 warm-up runs, median of REPS (default 20):
prints "pytorch matmul N gflops <median> threads <t>".
"""
import ctypes
import os
import sys
import time

import torch


def loaded_blas():
    """Paths of the BLAS libraries mapped into this process (after a matmul has run)."""
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            name = os.path.basename(fields[-1]) if len(fields) >= 6 else ""
            if any(key in name for key in ("blas", "mkl", "blis", "dnnl")):
                libs.add(os.path.realpath(fields[-1]))
    return sorted(libs)


def openblas_info(libs):
    for lib in libs:
        try:
            handle = ctypes.CDLL(lib)
            handle.openblas_get_config.restype = ctypes.c_char_p
            handle.openblas_get_corename.restype = ctypes.c_char_p
            return "%s (core %s, %d threads)" % (handle.openblas_get_config().decode(),
                                                  handle.openblas_get_corename().decode(),
                                                  handle.openblas_get_num_threads())
        except (OSError, AttributeError):
            continue
    return None


def info():
    a = torch.randn(256, 256)
    a @ a
    build = next((l for l in torch.__config__.show().splitlines() if "BLAS_INFO" in l), "")
    blas_info = [part.strip().replace("- Build settings: ", "") for part in build.split(",")
                 if "BLAS_INFO" in part or "LAPACK_INFO" in part]
    libs = loaded_blas()
    print("torch %s, intra-op threads %d, OMP_NUM_THREADS=%s" % (torch.__version__, torch.get_num_threads(),
                                                                   os.environ.get("OMP_NUM_THREADS")))
    print("torch build: %s" % ", ".join(blas_info))
    print("BLAS libraries loaded: %s" % (", ".join(libs) or "none found"))
    ob = openblas_info(libs)
    if ob:
        print("OpenBLAS: %s" % ob)


def bench(shape, runs, warmup_s):
    dims, _, tr = shape.partition(":")
    m, n, k = (int(x) for x in dims.split("x"))
    tr = tr or "NN"
    a = torch.randn(k, m).t() if tr[0] == "T" else torch.randn(m, k)
    b = torch.randn(n, k).t() if tr[1] == "T" else torch.randn(k, n)
    out = torch.empty(m, n)
    end = time.perf_counter() + warmup_s
    while time.perf_counter() < end:
        torch.mm(a, b, out=out)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        torch.mm(a, b, out=out)
        times.append(time.perf_counter() - t0)
    times.sort()
    flops = 2.0 * m * n * k
    print("pytorch %s median_gflops=%.1f best_gflops=%.1f threads=%d" % (
        shape, flops / times[len(times) // 2] / 1e9, flops / times[0] / 1e9, torch.get_num_threads()), flush=True)


def square(n, reps):
    a, b = torch.randn(n, n), torch.randn(n, n)
    rates = []
    for i in range(5 + reps):
        t0 = time.perf_counter()
        torch.mm(a, b)
        dt = time.perf_counter() - t0
        if i >= 5:
            rates.append(2 * n ** 3 / dt / 1e9)
    rates.sort()
    print(f"pytorch matmul {n} gflops {rates[len(rates) // 2]:.1f} threads {torch.get_num_threads()}")


def main(argv):
    if argv and argv[0].isdigit():
        square(int(argv[0]), int(argv[1]) if len(argv) > 1 else 20)
        return
    runs, warmup_s, shapes = 15, 1.5, []
    i = 0
    while i < len(argv):
        if argv[i] == "--runs":
            runs = int(argv[i + 1]); i += 1
        elif argv[i] == "--warmup-s":
            warmup_s = float(argv[i + 1]); i += 1
        elif argv[i] == "--info":
            info()
            return
        else:
            shapes.append(argv[i])
        i += 1
    for shape in shapes or ["1024x1024x1024:NN"]:
        bench(shape, runs, warmup_s)


if __name__ == "__main__":
    main(sys.argv[1:])
