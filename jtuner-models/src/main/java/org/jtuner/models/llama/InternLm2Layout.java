package org.jtuner.models.llama;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jtuner.io.config.LlamaConfig;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.io.safetensors.TensorInfo;
import org.jtuner.models.KeyMap;
import org.jtuner.models.KeyMap.Rule;
import org.jtuner.models.WeightSource;
import org.jtuner.nn.Linear;

/**
 * InternLM2's checkpoint layout ({@code modeling_internlm2.py}) for the Llama modules: the renames as a
 * {@link KeyMap}, and its packed attention projection. {@code attention.wqkv} holds q, k and v grouped by key/value
 * head: rows {@code (h gs d)} with gs = q_per_kv + 2, i.e. for each kv head its q_per_kv query heads, then its key
 * head, then its value head. Loading splits it into q/k/v ({@code attention.wq/wk/wv}, names that exist only between
 * the two steps); saving packs them back.
 */
public final class InternLm2Layout {
    private InternLm2Layout() {}

    /** Llama parameter names → InternLM2 keys (with the unpacked wq/wk/wv). */
    public static final KeyMap KEY_MAP = KeyMap.of(
            Rule.prefix("model.embed_tokens.", "model.tok_embeddings."),
            Rule.segment("self_attn.q_proj", "attention.wq"),
            Rule.segment("self_attn.k_proj", "attention.wk"),
            Rule.segment("self_attn.v_proj", "attention.wv"),
            Rule.segment("self_attn.o_proj", "attention.wo"),
            Rule.segment("mlp.gate_proj", "feed_forward.w1"),
            Rule.segment("mlp.up_proj", "feed_forward.w3"),
            Rule.segment("mlp.down_proj", "feed_forward.w2"),
            Rule.segment("input_layernorm", "attention_norm"),
            Rule.segment("post_attention_layernorm", "ffn_norm"),
            Rule.prefix("lm_head.", "output."));

    private static final Pattern WQKV = Pattern.compile("(.*\\.attention)\\.wqkv\\.(weight|bias)");
    private static final String[] PARTS = {"wq", "wk", "wv"};

    /** {@code checkpoint} with every {@code attention.wqkv} split into {@code attention.wq}, {@code wk}, {@code wv}. */
    public static WeightSource unpacked(WeightSource checkpoint, LlamaConfig c) {
        Map<String, String[]> virtual = new LinkedHashMap<>(); // name → {packed key, part index}
        List<String> names = new ArrayList<>();
        for (String key : checkpoint.names()) {
            Matcher m = WQKV.matcher(key);
            if (!m.matches()) {
                names.add(key);
                continue;
            }
            for (int part = 0; part < 3; part++) {
                String name = m.group(1) + "." + PARTS[part] + "." + m.group(2);
                virtual.put(name, new String[] {key, Integer.toString(part)});
                names.add(name);
            }
        }
        List<String> sorted = names.stream().sorted().toList();
        return new WeightSource() {
            public Path location() { return checkpoint.location(); }
            public List<String> names() { return sorted; }
            public boolean contains(String name) { return virtual.containsKey(name) || checkpoint.contains(name) && !WQKV.matcher(name).matches(); }

            public TensorInfo info(String name) {
                String[] v = virtual.get(name);
                if (v == null) return checkpoint.info(name);
                TensorInfo packed = checkpoint.info(v[0]);
                long[] shape = packed.shape();
                checkRows(c, v[0], shape[0]);
                shape[0] = (long) rowsOf(c, Integer.parseInt(v[1]));
                return new TensorInfo(name, packed.dtype(), shape);
            }

            public MemorySegment data(String name) {
                String[] v = virtual.get(name);
                if (v == null) return checkpoint.data(name);
                TensorInfo packed = checkpoint.info(v[0]);
                checkRows(c, v[0], packed.dim(0));
                MemorySegment all = checkpoint.data(v[0]);
                long rowBytes = all.byteSize() / packed.dim(0);
                int part = Integer.parseInt(v[1]);
                MemorySegment out = MemorySegment.ofArray(new byte[Math.toIntExact(rowsOf(c, part) * rowBytes)]);
                long at = 0;
                for (int[] run : runs(c, part)) { // [first packed row, row count]
                    long n = run[1] * rowBytes;
                    MemorySegment.copy(all, run[0] * rowBytes, out, at, n);
                    at += n;
                }
                return out;
            }
        };
    }

    /**
     * The packed {@code wqkv} weight (or bias) of one attention layer, as InternLM2 stores it, from the q/k/v
     * projections' values, in {@code dtype} ("F32", "BF16", "F16"; null: q_proj's own, converted exactly since BF16
     * and F16 values are F32 values).
     */
    public static TensorEntry packed(String name, LlamaConfig c, Linear q, Linear k, Linear v, boolean bias, String dtype) {
        float[][] parts = new float[3][];
        Linear[] linears = {q, k, v};
        for (int i = 0; i < 3; i++) {
            parts[i] = (bias ? linears[i].bias() : linears[i].weight()).value().toFloatArray();
        }
        int width = bias ? 1 : q.inFeatures();
        float[] out = new float[parts[0].length + parts[1].length + parts[2].length];
        for (int part = 0; part < 3; part++) {
            int srcRow = 0; // a part's runs come in the order of its own rows
            for (int[] run : runs(c, part)) {
                System.arraycopy(parts[part], srcRow * width, out, run[0] * width, run[1] * width);
                srcRow += run[1];
            }
        }
        String stored = dtype != null ? dtype : (bias ? q.bias() : q.weight()).value().dtype().name();
        long[] shape = bias ? new long[] {out.length} : new long[] {out.length / width, width};
        return TensorEntry.ofFloats(name, stored, shape, out);
    }

    /** Rows of part 0 (q), 1 (k) or 2 (v). */
    private static int rowsOf(LlamaConfig c, int part) {
        return (part == 0 ? c.numAttentionHeads() : c.numKeyValueHeads()) * c.headDim();
    }

    /** Where a part's rows sit in the packed tensor: for each kv head, a run {first packed row, count}. */
    private static List<int[]> runs(LlamaConfig c, int part) {
        int groups = c.queriesPerKeyValueHead(), d = c.headDim(), gs = groups + 2;
        List<int[]> out = new ArrayList<>();
        for (int h = 0; h < c.numKeyValueHeads(); h++) {
            int base = h * gs * d;
            out.add(switch (part) {
                case 0 -> new int[] {base, groups * d};
                case 1 -> new int[] {base + groups * d, d};
                default -> new int[] {base + (groups + 1) * d, d};
            });
        }
        return out;
    }

    private static void checkRows(LlamaConfig c, String key, long rows) {
        long expected = (long) (c.numAttentionHeads() + 2 * c.numKeyValueHeads()) * c.headDim();
        if (rows != expected) {
            throw new IllegalArgumentException("'" + key + "' has " + rows + " rows; an InternLM2 wqkv for "
                    + c.numAttentionHeads() + " heads, " + c.numKeyValueHeads() + " kv heads of size " + c.headDim()
                    + " has " + expected + " (does config.json match the weights?)");
        }
    }
}
