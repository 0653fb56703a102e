#!/usr/bin/env bash
# F32 matrix multiply: jtuner's Sgemm (pure Java, Vector API) against PyTorch on the same machine and threads.
#
# Needs: JDK 25 (found by bin/java-env) and Maven to build jtuner-tensor; for the PyTorch side the system Python with
# Debian's torch and the pthread OpenBLAS it runs its F32 matmul on:
#     apt-get install python3-torch libopenblas0-pthread
#
# Usage (from anywhere): bench/matmul.sh [shape ...]    shapes are MxNxK[:AB], A/B = N (as stored) or T (transposed)
# Environment: THREADS (default 2: OMP_NUM_THREADS for torch/OpenBLAS, -Djtuner.threads for jtuner),
#              RUNS (timed runs per shape, default 20), ROUNDS (default 5), WARMUP_S (default 1.5).
# Each round runs every shape in jtuner (one JVM) and in PyTorch (one process), alternating which goes first; a
# shape's figure is the best round's median, the same rule on both sides, since the machine may be shared with builds
# that steal a core for seconds at a time (the per-round lines show how much that happened).
# PyTorch runs on the best correct OpenBLAS kernel for this CPU (bench/openblas-core.sh); the "kernels:" line says
# which kernel each side used.
# The last line is the 1024³ ratio: "matmul GFLOP/s jtuner/pytorch: R".
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/java-env

THREADS=${THREADS:-2}
RUNS=${RUNS:-20}
ROUNDS=${ROUNDS:-5}
WARMUP_S=${WARMUP_S:-1.5}
export OMP_NUM_THREADS=$THREADS
PYTHON=/usr/bin/python3

if [[ $# -gt 0 ]]; then
  SHAPES=("$@")
else
  # 1024³ in all four transposes, then a decoder layer's products at 1536 tokens, hidden 512, MLP 1376:
  # x·Wᵀ (q/k/v/o and MLP up/gate: NT), the input gradient dy·W (NN) and the weight gradient dyᵀ·x (TN).
  SHAPES=(1024x1024x1024:NN 1024x1024x1024:NT 1024x1024x1024:TN 1024x1024x1024:TT
          1536x512x512:NT 1536x1376x512:NT 1536x512x1376:NN 512x1376x1536:TN)
fi

# Build jtuner-tensor when its classes are missing or older than the kernel's source.
CLASSES=jtuner-tensor/target/classes
SGEMM_SRC=jtuner-tensor/src/main/java/org/jtuner/tensor/cpu/Sgemm.java
if [[ ! -f $CLASSES/org/jtuner/tensor/cpu/Sgemm.class || $SGEMM_SRC -nt $CLASSES/org/jtuner/tensor/cpu/Sgemm.class ]]; then
  echo "building jtuner-tensor ..." >&2
  source bench/build.sh
  bench_build jtuner-tensor
fi
BENCH_CLASSES=$(mktemp -d)
trap 'rm -rf "$BENCH_CLASSES"' EXIT
javac -Xlint:-incubating --release 25 --add-modules jdk.incubator.vector -cp "$CLASSES" -d "$BENCH_CLASSES" \
  bench/java/SgemmBench.java

if ! "$PYTHON" -c "import torch" 2>/dev/null; then
  echo "PyTorch is missing: apt-get install python3-torch libopenblas0-pthread" >&2
  exit 1
fi

# PyTorch's best correct OpenBLAS kernel on this CPU (sets OPENBLAS_CORETYPE when needed, and KERNELS).
source bench/openblas-core.sh

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cpus; threads: $THREADS; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $(java -version 2>&1 | head -1)"
"$PYTHON" bench/torch_matmul.py --info
echo "$KERNELS"

RESULTS=$(mktemp)
trap 'rm -rf "$BENCH_CLASSES" "$RESULTS"' EXIT
run_jtuner() {
  java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
    -Djtuner.threads="$THREADS" -cp "$CLASSES:$BENCH_CLASSES" org.jtuner.tensor.cpu.SgemmBench \
    --runs "$RUNS" --warmup-ms "$(awk "BEGIN{print int($WARMUP_S*1000)}")" "${SHAPES[@]}" 2>&1 \
    | grep -v 'WARNING: Using incubator modules' | tee -a "$RESULTS"
}
run_pytorch() {
  "$PYTHON" bench/torch_matmul.py --runs "$RUNS" --warmup-s "$WARMUP_S" "${SHAPES[@]}" | tee -a "$RESULTS"
}
for round in $(seq "$ROUNDS"); do
  echo "--- round $round/$ROUNDS (load $(cut -d' ' -f1 /proc/loadavg))"
  if (( round % 2 )); then run_jtuner; run_pytorch; else run_pytorch; run_jtuner; fi
done

echo "--- GFLOP/s per shape: best round's median (and the best single run)"
echo "$KERNELS"
awk '
  $1 == "jtuner" || $1 == "pytorch" {
    split($3, kv, "="); v = kv[2] + 0
    split($4, kb, "="); w = kb[2] + 0
    if (v > best[$1, $2]) best[$1, $2] = v
    if (w > peak[$1, $2]) peak[$1, $2] = w
    if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
  }
  END {
    printf "%-22s %16s %16s %8s\n", "shape", "jtuner", "pytorch", "ratio"
    for (i = 1; i <= n; i++) {
      s = order[i]; j = best["jtuner", s]; p = best["pytorch", s]
      printf "%-22s %7.1f (%6.1f) %7.1f (%6.1f) %8.2f\n", s, j, peak["jtuner", s], p, peak["pytorch", s], (p > 0 ? j / p : 0)
    }
    s = "1024x1024x1024:NN"
    if (best["pytorch", s] > 0) printf "matmul GFLOP/s jtuner/pytorch: %.2f\n", best["jtuner", s] / best["pytorch", s]
    else printf "matmul GFLOP/s jtuner/pytorch: n/a (1024x1024x1024:NN not run)\n"
  }' "$RESULTS"
