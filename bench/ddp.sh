#!/usr/bin/env bash
# Data-parallel training on the CPU: bench/train_cpu.sh's LLaVA step on 2 ranks x 1 thread, jtuner against PyTorch
# DistributedDataParallel side by side in one run, and each side's scaling from 1 rank x 1 thread to 2 ranks x 1.
#
#   jtuner:  org.jtuner.bench.DdpStepBench under `mpirun -np 2` (Open MPI; gradients all-reduced over MPI per
#            parameter after the backward, then clipping by the global norm and AdamW; ZERO=1 uses ZeRO-1's sharded
#            AdamW), and one plain process for 1 rank; the loss is jtuner's training loss, whose LM head runs only at
#            the 128 of 192 positions per row that predict a label (PyTorch, as transformers, computes all 192)
#   pytorch: bench/torch_llava_ddp.py, DDP with the gloo backend (Debian's torch 1.13; gradients averaged in buckets
#            during the backward), two processes on 127.0.0.1; one plain process (no DDP) for 1 rank
#   Each rank trains its own batch of 8 x (64 image + 128 text) tokens (medium), so 2 ranks train twice the tokens
#   per step; tokens/s counts every rank's, and a step takes as long as its slowest rank.
#   scaling efficiency = tokens/s at 2 ranks / (2 x tokens/s at 1 rank): 1.0 is perfect.
#
# Needs: JDK 25 (bin/java-env), Maven, Open MPI (bin/setup-mpi installs it), Debian's torch:
#     apt-get install python3-torch libopenblas0-pthread openmpi-bin libopenmpi-dev
# Usage (from anywhere): bench/ddp.sh [small|medium]      (default medium)
# Environment: JTUNER_BIND (core, the default: jtuner's ranks bound as `jtuner train --nproc` binds them; none),
#              ROUNDS (default 2), STEPS (timed steps per run, default 5), WARMUP, WARMUP_S (untimed steps first,
#              at least WARMUP steps and WARMUP_S seconds, default 3 and 45: the JIT, see bench/train_cpu.sh),
#              ZERO (0 or 1, default 0), SKIP_BUILD=1, TORCH_WAIT_POLICY (PASSIVE by default, see bench/train_cpu.sh).
# Each round runs the four configurations back to back (jtuner first in odd rounds, PyTorch first in even ones); a
# figure is the best round's median step, the same rule on both sides. PyTorch runs on the best correct OpenBLAS
# kernel for this CPU (bench/openblas-core.sh); the "kernels:" line says which kernel each side used.
# Before it, a line puts both sides against the bound: per-rank model FLOP/s (org.jtuner.bench.StepFlops: the step as transformers
# computes it) as a share of one core's measured FMA peak. The last line is:
# "ddp tokens/s jtuner/pytorch at 2x1: R (scaling 1x1->2x1: jtuner E1 pytorch E2)".
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/java-env

SIZE=${1:-medium}
[[ $SIZE == small || $SIZE == medium ]] || { echo "unknown size '$SIZE' (small, medium)" >&2; exit 2; }
ROUNDS=${ROUNDS:-2}
STEPS=${STEPS:-5}
WARMUP=${WARMUP:-3}
WARMUP_S=${WARMUP_S:-45}
ZERO=${ZERO:-0}
PYTHON=/usr/bin/python3
export OMP_NUM_THREADS=1
TORCH_WAIT_POLICY=${TORCH_WAIT_POLICY:-PASSIVE}
if [[ $TORCH_WAIT_POLICY == default ]]; then unset OMP_WAIT_POLICY; else export OMP_WAIT_POLICY=$TORCH_WAIT_POLICY; fi

"$PYTHON" -c "import torch.distributed as d; assert d.is_gloo_available()" 2>/dev/null \
  || { echo "PyTorch with gloo is missing: apt-get install python3-torch libopenblas0-pthread" >&2; exit 1; }
bin/setup-mpi
command -v mpirun >/dev/null || { echo "mpirun is missing: run bin/setup-mpi" >&2; exit 1; }

source bench/openblas-core.sh   # PyTorch's best correct OpenBLAS kernel here (OPENBLAS_CORETYPE, KERNELS)
source bench/build.sh
bench_jars   # CP: jtuner-bench built, jtuner's jars copied to a private folder

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc --all) cpus; 1 thread per rank; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $(java -version 2>&1 | head -1); $(mpirun --version | head -1)"
echo "torch side: $("$PYTHON" -c 'import torch; print("torch", torch.__version__)'), gloo; OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset} OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "$KERNELS"
echo "size $SIZE; rounds $ROUNDS, per run: warm-up >= $WARMUP steps and >= $WARMUP_S s, then $STEPS timed steps; zero $ZERO"

# jtuner's ranks: each bound to its share of the processors, as `jtuner train --nproc 2` launches them (LocalMpirun);
# PyTorch's: unbound, as torchrun starts them (bound to one core each, the 2-rank step was slower here: gloo's
# threads then share the core that computes; 3855 vs 3683 ms).
JTUNER_BIND=${JTUNER_BIND:-core}
if [[ $JTUNER_BIND == none ]]; then JTUNER_BINDING=(--bind-to none)
else JTUNER_BINDING=(--use-hwthread-cpus --map-by "slot:PE=$(( $(nproc) / 2 > 0 ? $(nproc) / 2 : 1 ))" --bind-to hwthread); fi
echo "binding: jtuner ranks ${JTUNER_BINDING[*]} (JTUNER_BIND=$JTUNER_BIND); pytorch ranks unbound"

RESULTS="$WORK/results.txt"
BENCH_ARGS=(--steps "$STEPS" --warmup "$WARMUP" --warmup-s "$WARMUP_S" "$SIZE")
JAVA=(java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Djtuner.threads=1
      -cp "$CP" org.jtuner.bench.DdpStepBench --zero "$ZERO" "${BENCH_ARGS[@]}")
run_jtuner() {
  if [[ $1 == 1 ]]; then "${JAVA[@]}" 2>&1; else
    # Bound as `jtuner train --nproc` binds its ranks (JTUNER_BIND=none leaves them unbound). mpi_yield_when_idle:
    # a rank waiting in a collective yields its core instead of spinning on it, as gloo's socket waits do (on a
    # machine that other processes share, a spinning rank slows the rank it waits for).
    mpirun --allow-run-as-root --oversubscribe "${JTUNER_BINDING[@]}" --mca mpi_yield_when_idle 1 -np "$1" \
      -x OMP_NUM_THREADS "${JAVA[@]}" 2>&1
  fi | grep -v 'Using incubator modules' | sed "s/^/round $round /" | tee -a "$RESULTS"
}
run_torch() {
  local port=$((29500 + RANDOM % 500)) pids=() r
  for ((r = 1; r < $1; r++)); do
    "$PYTHON" bench/torch_llava_ddp.py --rank "$r" --world "$1" --port "$port" "${BENCH_ARGS[@]}" &
    pids+=($!)
  done
  "$PYTHON" bench/torch_llava_ddp.py --rank 0 --world "$1" --port "$port" "${BENCH_ARGS[@]}" \
    | sed "s/^/round $round /" | tee -a "$RESULTS"
  for r in "${pids[@]}"; do wait "$r"; done
}
for round in $(seq "$ROUNDS"); do
  echo "--- round $round/$ROUNDS (load $(cut -d' ' -f1 /proc/loadavg))"
  if (( round % 2 == 1 )); then run_jtuner 1; run_jtuner 2; run_torch 1; run_torch 2
  else run_torch 1; run_torch 2; run_jtuner 1; run_jtuner 2; fi
done

echo "--- best round's median step per side and world size"
echo "$KERNELS"
awk '
  $1 == "round" && ($3 == "jtuner-ddp" || $3 == "pytorch-ddp") {
    side = $3; w = $6; tps = $10 + 0
    if (tps > best[side, w]) { best[side, w] = tps; ms[side, w] = $8 }
    if ($(NF - 1) == "model_gflop") gflop = $NF
  }
  $1 == "round" && $3 == "jtuner-peak" && $5 > peak { peak = $5 }
  END {
    printf "%-8s %16s %16s %8s\n", "ranks", "jtuner tok/s", "pytorch tok/s", "ratio"
    for (w = 1; w <= 2; w++) {
      j = best["jtuner-ddp", w]; p = best["pytorch-ddp", w]
      printf "%dx1      %16.1f %16.1f %8s   (step ms: jtuner %s, pytorch %s)\n", w, j, p,
        (j > 0 && p > 0 ? sprintf("%.2f", j / p) : "n/a"), ms["jtuner-ddp", w], ms["pytorch-ddp", w]
    }
    j1 = best["jtuner-ddp", 1]; j2 = best["jtuner-ddp", 2]; p1 = best["pytorch-ddp", 1]; p2 = best["pytorch-ddp", 2]
    ej = (j1 > 0 && j2 > 0) ? sprintf("%.2f", j2 / (2 * j1)) : "n/a"
    ep = (p1 > 0 && p2 > 0) ? sprintf("%.2f", p2 / (2 * p1)) : "n/a"
    r = (j2 > 0 && p2 > 0) ? sprintf("%.2f", j2 / p2) : "n/a"
    # the bound: per-rank model FLOP/s (the step as transformers computes it, the same count for both sides) against
    # one core'"'"'s measured multiply-add peak; jtuner computes fewer FLOPs (no logits where no label is predicted)
    if (gflop > 0 && peak > 0 && j2 > 0 && p2 > 0) {
      fj = gflop / (ms["jtuner-ddp", 2] / 1000); fp = gflop / (ms["pytorch-ddp", 2] / 1000)
      printf "model FLOP/s per rank at 2x1 (%.1f GFLOP per rank and step): jtuner %.1f GFLOP/s = %.0f%% of one core'"'"'s FMA peak (%.1f GFLOP/s, measured), pytorch %.1f = %.0f%%; a ratio of 1.3 needs jtuner at %.0f%%\n", gflop, fj, 100 * fj / peak, peak, fp, 100 * fp / peak, 130 * fp / peak
    }
    print "ddp tokens/s jtuner/pytorch at 2x1: " r " (scaling 1x1->2x1: jtuner " ej " pytorch " ep ")"
  }' "$RESULTS"
