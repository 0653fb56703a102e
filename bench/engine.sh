#!/usr/bin/env bash
# The tensor engine against PyTorch on the CPU, side by side in one run, on the same cores:
#   - a 1024x1024x1024 F32 matrix multiply (GFLOP/s, median of 20 after warm-up)
#   - forward + backward of one Llama decoder layer (hidden 512, 8 heads, 4 kv heads, MLP 1376, batch 8 x 192)
# Each is run in alternation (ours, theirs, ours, theirs...) and the medians' ratios printed.
# Needs: apt-get install python3-torch libopenblas0-pthread   (PyTorch on CPU with OpenBLAS)
# PyTorch runs on the best correct OpenBLAS kernel for this CPU (bench/openblas-core.sh, the "kernels:" line).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bin/java-env
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
rounds=${ROUNDS:-3}
python=${PYTHON:-/usr/bin/python3}
"$python" -c "import torch" 2>/dev/null || { echo "engine.sh: PyTorch is missing (apt-get install python3-torch libopenblas0-pthread)" >&2; exit 1; }

source bench/openblas-core.sh   # PyTorch's best correct OpenBLAS kernel here (OPENBLAS_CORETYPE, KERNELS)
source bench/build.sh           # package through the reactor, no install
bench_build jtuner-bench dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
java_run() { java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
  -cp "jtuner-bench/target/classes:$(cat jtuner-bench/target/classpath.txt)" "$@" 2> >(grep -v 'incubator' >&2); }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); OMP_NUM_THREADS=$OMP_NUM_THREADS"
"$python" -c "import torch; print('pytorch', torch.__version__, [l.strip() for l in torch.__config__.show().splitlines() if 'BLAS' in l][:1])"
echo "$KERNELS"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ours_mm=(); theirs_mm=(); ours_dl=(); theirs_dl=()
for ((i = 1; i <= rounds; i++)); do
  ours_mm+=("$(java_run org.jtuner.bench.MatmulBench 1024 20 | awk '{print $5}')")
  theirs_mm+=("$("$python" bench/torch_matmul.py 1024 20 | awk '{print $5}')")
  ours_dl+=("$(java_run org.jtuner.bench.DecoderLayerBench 10 | awk '{print $4}')")
  theirs_dl+=("$("$python" bench/torch_decoder_layer.py 10 | awk '{print $4}')")
  echo "round $i: matmul GFLOP/s jtuner ${ours_mm[-1]} pytorch ${theirs_mm[-1]}; decoder layer ms jtuner ${ours_dl[-1]} pytorch ${theirs_dl[-1]}"
done
om=$(printf '%s\n' "${ours_mm[@]}" | median); tm=$(printf '%s\n' "${theirs_mm[@]}" | median)
od=$(printf '%s\n' "${ours_dl[@]}" | median); td=$(printf '%s\n' "${theirs_dl[@]}" | median)
echo "$KERNELS"
echo "median matmul 1024^3: jtuner $om GFLOP/s, pytorch $tm GFLOP/s"
echo "median decoder layer fwd+bwd: jtuner $od ms, pytorch $td ms"
awk -v om="$om" -v tm="$tm" -v od="$od" -v td="$td" \
  'BEGIN {printf "engine jtuner/pytorch: matmul %.2f decoder_layer %.2f\n", om / tm, td / od}'
