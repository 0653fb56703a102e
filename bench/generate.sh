#!/usr/bin/env bash
# Greedy KV-cache generation on the CPU, F32: decoding tokens/s and time to first token of jtuner
# (org.jtuner.bench.GenerateBench, the jtuner-generate Generator) against the same model in plain PyTorch with an
# HF-style key/value cache (bench/torch_llava_generate.py), side by side in one run, on the same machine and threads.
#
#   model:  bench/train_cpu.sh's medium LLaVA (random weights): image 112, patch 14, CLIP ViT 256 x 6 layers read at
#           layer -2; projector 256->512->512; Llama 512 x 8 layers (8 heads, 4 kv heads, MLP 1376), vocab 8192
#   prompt: per row one image (64 tokens) + TEXT random text tokens (default 64), left as is; NEW new tokens
#           (default 64), greedy, no EOS, so every run decodes exactly NEW tokens
#   time to first token: a generation with max_new_tokens 1 (vision, projector, prefill, first pick);
#   decode tokens/s: batch x (NEW - 1) / (time of the NEW-token generation - time to first token)
#
# Needs: JDK 25 (bin/java-env), Maven (the script packages jtuner-bench and what it depends on; nothing is
# installed into ~/.m2), Debian's python3-torch with its OpenBLAS (apt-get install python3-torch libopenblas0-pthread).
#
# Usage (from anywhere): bench/generate.sh [BATCH...]       (default: 1 4)
# Environment: THREADS (default 2), ROUNDS (default 2), REPS (timed measurements per side and round, default 5),
#              WARMUP_S (untimed generations first, default 30 s, both sides), TEXT, NEW, SKIP_BUILD=1,
#              TORCH_WAIT_POLICY (OMP_WAIT_POLICY for torch, PASSIVE by default: see bench/train_cpu.sh for why).
# Each round runs, per batch size, one jtuner JVM and one PyTorch process back to back, alternating the order; a
# side's figure is the median of its best round; the last line is
# "generate decode tokens/s jtuner/pytorch: batch1 R ... (ttft pytorch/jtuner: batch1 R ...)".
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/java-env

THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
REPS=${REPS:-5}
WARMUP_S=${WARMUP_S:-30}
TEXT=${TEXT:-64}
NEW=${NEW:-64}
export OMP_NUM_THREADS=$THREADS
TORCH_WAIT_POLICY=${TORCH_WAIT_POLICY:-PASSIVE}
if [[ $TORCH_WAIT_POLICY == default ]]; then unset OMP_WAIT_POLICY; else export OMP_WAIT_POLICY=$TORCH_WAIT_POLICY; fi
PYTHON=/usr/bin/python3
BATCHES=("$@")
[[ ${#BATCHES[@]} -gt 0 ]] || BATCHES=(1 4)

"$PYTHON" -c "import torch" 2>/dev/null || { echo "PyTorch is missing: apt-get install python3-torch libopenblas0-pthread" >&2; exit 1; }
# OpenBLAS may pick a generic core on a CPU it does not know; bench/openblas-core.sh sets OPENBLAS_CORETYPE then
# (and KERNELS). Either way the core torch runs on is printed below.
source bench/openblas-core.sh

source bench/build.sh
bench_jars   # CP: jtuner-bench built, jtuner's jars copied to a private folder

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cpus; threads: $THREADS; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $(java -version 2>&1 | head -1)"
"$PYTHON" bench/torch_matmul.py --info | sed 's/^/torch side: /'
echo "torch side: OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset} OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "$KERNELS"
echo "prompt: 64 image + $TEXT text tokens per row, $NEW new tokens, greedy; rounds $ROUNDS, warm-up $WARMUP_S s, $REPS timed reps"

RESULTS="$WORK/results.txt"
ARGS=(--text "$TEXT" --new "$NEW" --reps "$REPS" --warmup-s "$WARMUP_S")
run_jtuner() {
  java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
    -Djtuner.threads="$THREADS" -cp "$CP" org.jtuner.bench.GenerateBench --batch "$1" "${ARGS[@]}" 2>&1 \
    | grep -v 'Using incubator modules' | sed "s/^/round $round /" | tee -a "$RESULTS"
}
run_torch() {
  (cd bench && "$PYTHON" torch_llava_generate.py --batch "$1" "${ARGS[@]}") | sed "s/^/round $round /" | tee -a "$RESULTS"
}
for round in $(seq "$ROUNDS"); do
  echo "--- round $round/$ROUNDS (load $(cut -d' ' -f1 /proc/loadavg))"
  for b in "${BATCHES[@]}"; do
    if (( round % 2 == 1 )); then run_jtuner "$b"; run_torch "$b"; else run_torch "$b"; run_jtuner "$b"; fi
  done
done

echo "--- best round per side (decode: highest tokens/s; ttft: lowest)"
echo "$KERNELS"
awk -v batches="${BATCHES[*]}" '
  $1 == "round" && $4 == "generate" {
    side = $3; b = $6; ttft = $8 + 0; tps = $10 + 0
    if (tps > best[side, b]) best[side, b] = tps
    if (!((side, b) in first) || ttft < first[side, b]) first[side, b] = ttft
  }
  END {
    printf "%-6s %16s %16s %7s %14s %14s %7s\n", "batch", "jtuner decode/s", "pytorch decode/s", "ratio",
      "jtuner ttft ms", "pytorch ttft ms", "ratio"
    n = split(batches, list, " ")
    line = "generate decode tokens/s jtuner/pytorch:"; tline = "(ttft pytorch/jtuner:"
    for (i = 1; i <= n; i++) {
      b = list[i]; j = best["jtuner", b]; p = best["pytorch", b]; jt = first["jtuner", b]; pt = first["pytorch", b]
      r = (j > 0 && p > 0) ? sprintf("%.2f", j / p) : "n/a"; rt = (jt > 0 && pt > 0) ? sprintf("%.2f", pt / jt) : "n/a"
      printf "%-6s %16.1f %16.1f %7s %14.1f %14.1f %7s\n", b, j, p, r, jt, pt, rt
      line = line " batch" b " " r; tline = tline " batch" b " " rt
    }
    print line " " tline ")"
  }' "$RESULTS"
