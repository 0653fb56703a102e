#!/usr/bin/env bash
# Tokenizer throughput, side by side in one run: jtuner's tokenizer against Hugging Face's Rust tokenizers
# (the npm package tokenizers@0.23.2, the library the fixtures were made with), on a few MB of generated mixed
# text (English prose, code, Chinese/Japanese, some unicode noise), for the llama3, qwen3 and llama2 tokenizers
# of the fixtures. Both encode the same documents in one batch (all cores) without special tokens; their timed
# runs alternate so that both see the same machine load, and the best run of each counts. jtuner's ids are
# compared with the reference's and the script fails if any document differs.
#
#   bench/tokenizer.sh            # MB=4 REPS=5 by default
#   MB=8 REPS=3 bench/tokenizer.sh
#
# Needs node/npm (the package is installed into bench/.npm on first use) and the fixtures in ../shared/fixtures
# (or JTUNER_FIXTURES).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source bin/java-env

MB=${MB:-4}
REPS=${REPS:-5}
FIXTURES=${JTUNER_FIXTURES:-$ROOT/../shared/fixtures}
TOKENIZERS=()
for name in llama3 qwen3 llama2; do TOKENIZERS+=("$FIXTURES/tokenizers/$name"); done
OUT=bench/out/tokenizer
NPM=bench/.npm
mkdir -p "$OUT"

for dir in "${TOKENIZERS[@]}"; do
  [[ -f $dir/tokenizer.json ]] || { echo "missing $dir/tokenizer.json (set JTUNER_FIXTURES)" >&2; exit 1; }
done

if [[ "$(node -p "require('./$NPM/node_modules/tokenizers/package.json').version" 2>/dev/null)" != "0.23.2" ]]; then
  echo "installing tokenizers@0.23.2 into $NPM ..."
  npm install --prefix "$NPM" --no-save --no-audit --no-fund --loglevel=error tokenizers@0.23.2 >/dev/null
fi

echo "building jtuner-text ..."
mvn -q -o -pl jtuner-text compile
mvn -q -o -pl jtuner-text dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$ROOT/$OUT/classpath.txt" >/dev/null
CP="jtuner-text/target/classes:$(cat "$OUT/classpath.txt")"

echo "generating ${MB} MB of text ..."
node bench/tokenizer/gen-text.js "$MB" > "$OUT/text.jsonl"

echo "running (jtuner and tokenizers take turns) ..."
echo
java -XX:+UseParallelGC -Xmx4g -cp "$CP" org.jtuner.text.tokenizer.TokenizerBench "$OUT/text.jsonl" "$OUT" "$REPS" \
  "${TOKENIZERS[@]}" -- node bench/tokenizer/npm-bench.js "$NPM/node_modules" "$OUT/text.jsonl"
