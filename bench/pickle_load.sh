#!/usr/bin/env bash
# Loading a PyTorch pickle against loading the same weights as safetensors, in jtuner (the restricted unpickler and
# mmap of stored zip entries vs the safetensors reader), with torch.load beside it for scale:
#   - PyTorch writes a random Llama (~53M params, ~212 MB F32) with torch.save;
#   - `jtuner convert to-safetensors` rewrites it as model.safetensors in a second folder;
#   - LlamaForCausalLM.load of each folder, alternating, median of ROUNDS (files in the page cache).
# Prints the pickle/safetensors ratio (the issue's bar: at most 1.5).
# Needs: apt-get install python3-torch
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bin/java-env
rounds=${ROUNDS:-7}
python=${PYTHON:-/usr/bin/python3}
"$python" -c "import torch" 2>/dev/null || { echo "pickle_load.sh: PyTorch is missing (apt-get install python3-torch)" >&2; exit 1; }
mvn -q -B install -DskipTests -pl jtuner-bench,jtuner-cli -am >&2
(cd jtuner-bench && mvn -q -B dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2)
work="$(mktemp -d /tmp/jtuner-pickle-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$python" bench/torch_checkpoint_load.py make "$work/pickle"
mkdir -p "$work/st" && cp "$work/pickle/config.json" "$work/pickle/pytorch_model.bin" "$work/st/"
bin/jtuner convert to-safetensors "$work/st" >&2
rm "$work/st/pytorch_model.bin"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); weights $(du -m "$work/st/model.safetensors" | cut -f1) MB"
java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
  -cp "jtuner-bench/target/classes:$(cat jtuner-bench/target/classpath.txt)" \
  org.jtuner.bench.CheckpointLoadBench "$work/pickle" "$work/st" "$rounds" 2> >(grep -v 'incubator' >&2)
"$python" bench/torch_checkpoint_load.py time "$work/pickle" "$rounds"
