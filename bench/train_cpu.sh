#!/usr/bin/env bash
# A full LLaVA training step on the CPU, F32, every parameter trained: forward, shifted causal-LM cross-entropy,
# backward, gradient clipping (max norm 1), AdamW, zero_grad. jtuner (org.jtuner.bench.TrainStepBench, pure Java,
# Vector API) against the same model in plain PyTorch (bench/torch_llava_train.py), on the same machine and threads.
#
#   small:  image 64, patch 8, CLIP ViT 128 x 4 layers (4 heads, MLP 512, quick_gelu, pre-layernorm, CLS + 64
#           patches; LLaVA reads layer -2, so the last layer runs on neither side, and drops CLS); projector
#           128->256->256 (linear, gelu, linear); Llama 256 x 4 layers (8 heads, 4 kv heads, MLP 688, RMSNorm, rope,
#           SwiGLU), vocab 4096, untied lm_head; batch 8 x (64 image + 64 text tokens) = 1024 tokens
#   medium: image 112, patch 14, ViT 256 x 6 layers (8 heads, MLP 1024); projector 256->512->512; Llama 512 x 8 layers
#           (8 heads, 4 kv heads, MLP 1376), vocab 8192; batch 8 x (64 image + 128 text tokens) = 1536 tokens
#   Labels are random ids at the text positions and -100 at the image positions; tokens/s = batch x sequence / step.
#   jtuner computes its training loss as `jtuner train` does: the LM head runs only at the positions that predict a
#   label (small 64 of 128 per row, medium 128 of 192); PyTorch, as transformers does, computes every position's logits.
#
# Needs: JDK 25 (found by bin/java-env) and Maven (the script builds jtuner-bench and what it depends on); for the
# PyTorch side the system Python with Debian's torch 1.13 and the pthread OpenBLAS it runs its F32 matmuls on:
#     apt-get install python3-torch libopenblas0-pthread
#
# Usage (from anywhere): bench/train_cpu.sh [small] [medium]        (default: both sizes)
# Environment: THREADS (default 2: OMP_NUM_THREADS for torch/OpenBLAS, -Djtuner.threads for jtuner),
#              ROUNDS (default 2), STEPS (timed steps per size and round, default 5),
#              WARMUP, WARMUP_S (untimed steps first: at least WARMUP steps and WARMUP_S seconds, default 3 and 45,
#                the same rule on both sides; on this shared 2-core machine C2 reaches the last of jtuner's hot kernels
#                (swigluBackward, crossEntropyBackward) only after 25-40 s, and until then they run as C1 code in
#                which the Vector API is not intrinsified: the small step is ~2x slower for the first ~30 steps),
#              SKIP_BUILD=1 (use the jars already built),
#              JFR=FILE (record each jtuner run with JFR, settings=profile, to FILE-<size>-<n>.jfr; jtuner then also
#                prints the timed steps' wall-clock window: "marks <size> timed_epoch_ms <from> <to>"),
#              TORCH_WAIT_POLICY (OMP_WAIT_POLICY of the torch side: PASSIVE by default, see below; "default" leaves
#                it unset, libgomp's own spin-then-sleep policy).
#
# Each round runs, per size, one jtuner JVM and one PyTorch process back to back (the order alternates from round to
# round, so that a change in the machine's load hits both sides alike); a side's figure is the median step time of
# its best round (the same rule on both sides), and the per-round ratios are printed too.
#
# OMP_WAIT_POLICY=PASSIVE for torch: with libgomp's default policy its OpenMP threads spin at the end of every
# parallel region; on a machine whose two cores other processes also use (this one is shared), a spinning thread
# holds the core its partner needs, and torch's step gets 2-15x slower and erratic (measured here, interleaved, load
# 2-5: small 736-5281 ms with the default policy vs 310-369 ms with PASSIVE; medium 4235-4312 ms vs 2225-3722 ms).
# That would flatter jtuner, whose fork-join threads park, so torch runs with PASSIVE; on an idle machine
# TORCH_WAIT_POLICY=default may be torch's better setting.
#
# PyTorch runs on the best correct OpenBLAS kernel for this CPU (bench/openblas-core.sh); the "kernels:" line says
# which kernel each side used, printed with the header and again beside the figures.
#
# The last line is: "train tokens/s jtuner/pytorch: small R1 medium R2" (n/a for a size not run).
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/java-env

THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
STEPS=${STEPS:-5}
WARMUP=${WARMUP:-3}
WARMUP_S=${WARMUP_S:-45}
export OMP_NUM_THREADS=$THREADS
TORCH_WAIT_POLICY=${TORCH_WAIT_POLICY:-PASSIVE}
if [[ $TORCH_WAIT_POLICY == default ]]; then unset OMP_WAIT_POLICY; else export OMP_WAIT_POLICY=$TORCH_WAIT_POLICY; fi
PYTHON=/usr/bin/python3

SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(small medium)
for s in "${SIZES[@]}"; do
  [[ $s == small || $s == medium ]] || { echo "unknown size '$s' (small, medium)" >&2; exit 2; }
done

if ! "$PYTHON" -c "import torch" 2>/dev/null; then
  echo "PyTorch is missing: apt-get install python3-torch libopenblas0-pthread" >&2
  exit 1
fi

# PyTorch's best correct OpenBLAS kernel on this CPU (sets OPENBLAS_CORETYPE when needed, and KERNELS).
source bench/openblas-core.sh

source bench/build.sh
bench_jars   # CP: jtuner-bench built, jtuner's jars copied to a private folder

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cpus; threads: $THREADS; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $(java -version 2>&1 | head -1)"
echo "$("$PYTHON" bench/torch_llava_train.py --info); OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset} OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "$KERNELS"
echo "rounds $ROUNDS, per size and round: warm-up >= $WARMUP steps and >= $WARMUP_S s, then $STEPS timed steps"

RESULTS="$WORK/results.txt"
jfr_count=0
run_jtuner() {
  local jfr=()
  if [[ -n ${JFR:-} ]]; then
    jfr_count=$((jfr_count + 1))
    jfr=("-XX:StartFlightRecording=filename=${JFR%.jfr}-$1-$jfr_count.jfr,settings=profile" -Dbench.marks=true)
  fi
  java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC "${jfr[@]}" \
    -Djtuner.threads="$THREADS" -cp "$CP" org.jtuner.bench.TrainStepBench \
    --steps "$STEPS" --warmup "$WARMUP" --warmup-s "$WARMUP_S" "$1" 2>&1 \
    | grep -v -e 'Using incubator modules' -e 'jfr,startup' | sed "s/^/round $round /" | tee -a "$RESULTS"
}
run_torch() {
  "$PYTHON" bench/torch_llava_train.py --steps "$STEPS" --warmup "$WARMUP" --warmup-s "$WARMUP_S" "$1" \
    | sed "s/^/round $round /" | tee -a "$RESULTS"
}
for round in $(seq "$ROUNDS"); do
  echo "--- round $round/$ROUNDS (load $(cut -d' ' -f1 /proc/loadavg))"
  for size in "${SIZES[@]}"; do
    if (( round % 2 == 1 )); then run_jtuner "$size"; run_torch "$size"; else run_torch "$size"; run_jtuner "$size"; fi
  done
done

echo "--- best round's median step per side"
echo "$KERNELS"
awk -v sizes="${SIZES[*]}" '
  $1 == "round" && ($3 == "jtuner" || $3 == "pytorch") {
    r = $2; side = $3; size = $4; tps = $8 + 0
    if (tps > best[side, size]) { best[side, size] = tps; ms[side, size] = $6 }
    per[r, side, size] = tps
    if (r > rounds) rounds = r
  }
  END {
    printf "%-8s %14s %14s %8s   %s\n", "size", "jtuner tok/s", "pytorch tok/s", "ratio", "per-round ratios"
    n = split(sizes, list, " ")
    line = "train tokens/s jtuner/pytorch:"
    for (i = 1; i <= n; i++) {
      s = list[i]; j = best["jtuner", s]; p = best["pytorch", s]
      rr = ""
      for (r = 1; r <= rounds; r++) {
        if (per[r, "pytorch", s] > 0) rr = rr sprintf(" %.2f", per[r, "jtuner", s] / per[r, "pytorch", s])
      }
      printf "%-8s %14.1f %14.1f %8s  %s   (step ms: jtuner %s, pytorch %s)\n", s, j, p,
        (p > 0 && j > 0 ? sprintf("%.2f", j / p) : "n/a"), rr, ms["jtuner", s], ms["pytorch", s]
      ratio[s] = (p > 0 && j > 0) ? sprintf("%.2f", j / p) : "n/a"
    }
    if (!("small" in ratio)) ratio["small"] = "n/a"
    if (!("medium" in ratio)) ratio["medium"] = "n/a"
    print line " small " ratio["small"] " medium " ratio["medium"]
  }' "$RESULTS"
