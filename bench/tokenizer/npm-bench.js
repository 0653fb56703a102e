// The reference side of bench/tokenizer.sh: Hugging Face's Rust tokenizers through the npm package, driven by
// TokenizerBench over stdin/stdout so that both sides can be timed in alternation under the same machine load.
// Usage: node npm-bench.js <node_modules dir> <text.jsonl>
// Commands, one per line; each answer is one line:
//   load <name> <tokenizer dir>  -> "ok <load seconds>"
//   run <name>                   -> "<seconds>" for encodeBatch of all documents (no special tokens)
//   ids <name> <file>            -> "ok"; writes the ids of the last run (int32 little-endian: count, ids, per document)
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');

const [modulesDir, textFile] = process.argv.slice(2);
const { Tokenizer } = require(path.resolve(modulesDir, 'tokenizers'));
const docs = fs.readFileSync(textFile, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
const tokenizers = new Map();
const lastRun = new Map();

async function handle(line) {
  const [cmd, name, arg] = line.trim().split(' ');
  if (cmd === 'load') {
    const t0 = process.hrtime.bigint();
    tokenizers.set(name, Tokenizer.fromFile(path.join(arg, 'tokenizer.json')));
    return 'ok ' + Number(process.hrtime.bigint() - t0) / 1e9;
  }
  if (cmd === 'run') {
    const t0 = process.hrtime.bigint();
    const encodings = await tokenizers.get(name).encodeBatch(docs, { addSpecialTokens: false });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    lastRun.set(name, encodings);
    return String(seconds);
  }
  if (cmd === 'ids') {
    const parts = [];
    for (const e of lastRun.get(name)) {
      const ids = e.getIds();
      parts.push(Buffer.from(Int32Array.of(ids.length).buffer), Buffer.from(Int32Array.from(ids).buffer));
    }
    fs.writeFileSync(arg, Buffer.concat(parts));
    return 'ok';
  }
  throw new Error('unknown command: ' + line);
}

(async () => {
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (line.trim() === '' || line.trim() === 'quit') break;
    process.stdout.write((await handle(line)) + '\n');
  }
})();
