package org.jtuner.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.io.safetensors.SafetensorsWriter;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.nn.Init;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.nn.RmsNorm;
import org.jtuner.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading by name through a key map: conversions, strictness and its messages, and the state dict back out. */
class WeightLoaderTest {
    /** proj.weight [3, 2], proj.bias [3], norm.weight [3]. */
    static final class Tiny extends Module {
        final Linear proj = registerChild("proj", new Linear(Init.zeros(3, 2), Init.zeros(3)));
        final RmsNorm norm = registerChild("norm", new RmsNorm(Init.zeros(3), 1e-6));
    }

    static final float[] W = {1, 2, 3, 4, 5, 6}, B = {0.5f, -1, 2}, N = {1.5f, 1, 0.25f};

    private static Path write(Path file, String prefix, String dtype, String... extra) throws Exception {
        SafetensorsWriter w = new SafetensorsWriter()
                .addFloats(prefix + "proj.weight", dtype, new long[] {3, 2}, W)
                .addFloats(prefix + "proj.bias", dtype, new long[] {3}, B)
                .addFloats(prefix + "norm.weight", dtype, new long[] {3}, N);
        for (String e : extra) w.addFloats(e, new long[] {1}, new float[] {0});
        w.write(file);
        return file;
    }

    @Test
    void loadsThroughAPrefixAndAlternativeLayouts(@TempDir Path tmp) throws Exception {
        Path file = write(tmp.resolve("model.safetensors"), "model.", "F32");
        KeyMap keys = KeyMap.prefix("language_model.").orElse(KeyMap.prefix("model."));
        try (Tiny m = new Tiny()) {
            WeightLoader.LoadReport r = WeightLoader.load(m, tmp, keys, WeightLoader.Options.strict());
            assertThat(r.loaded()).containsEntry("proj.weight", "model.proj.weight").hasSize(3);
            assertThat(r.unexpected()).isEmpty();
            assertThat(m.proj.weight().value().toFloatArray()).containsExactly(W);
            assertThat(m.norm.forward(org.jtuner.tensor.Tensor.ones(1, 3)).toFloatArray()).hasSize(3);
            assertThat(m.parameter("norm.weight").value().toFloatArray()).containsExactly(N);
            assertThat(m.proj.weight().trainable()).isTrue();
        }
        assertThat(file).exists();
    }

    @Test
    void halfPrecisionBecomesF32OrStaysForFrozenWeightsWhenAsked(@TempDir Path tmp) throws Exception {
        write(tmp.resolve("model.safetensors"), "", "BF16");
        try (Tiny m = new Tiny()) {
            WeightLoader.load(m, tmp, KeyMap.identity(), WeightLoader.Options.strict());
            assertThat(m.proj.weight().value().dtype()).isEqualTo(DType.F32);
            assertThat(m.proj.weight().value().toFloatArray()).containsExactly(W); // exact in BF16
        }
        try (Tiny m = new Tiny()) {
            m.proj.setTrainable(false);
            WeightLoader.load(m, tmp, KeyMap.identity(), WeightLoader.Options.strict().keepHalfPrecisionFrozen(true));
            assertThat(m.proj.weight().value().dtype()).isEqualTo(DType.BF16);
            assertThat(m.parameter("norm.weight").value().dtype()).as("trainable stays F32").isEqualTo(DType.F32);
        }
    }

    @Test
    void aMissingWeightNamesTheParameterTheKeysTriedAndTheCheckpoint(@TempDir Path tmp) throws Exception {
        new SafetensorsWriter().addFloats("model.proj.weight", new long[] {3, 2}, W).write(tmp.resolve("model.safetensors"));
        try (Tiny m = new Tiny()) {
            assertThatThrownBy(() -> WeightLoader.load(m, tmp, KeyMap.prefix("model."), WeightLoader.Options.strict()))
                    .hasMessageContaining("proj.bias").hasMessageContaining("[model.proj.bias]")
                    .hasMessageContaining(tmp.toString());
            WeightLoader.LoadReport r = WeightLoader.load(m, tmp, KeyMap.prefix("model."),
                    WeightLoader.Options.strict().allowMissing("proj\\.bias", "norm\\..*"));
            assertThat(r.missing()).containsExactly("proj.bias", "norm.weight");
        }
    }

    @Test
    void aShapeMismatchNamesTheTensorAndBothShapes(@TempDir Path tmp) throws Exception {
        new SafetensorsWriter().addFloats("proj.weight", new long[] {2, 3}, W)
                .addFloats("proj.bias", new long[] {3}, B).addFloats("norm.weight", new long[] {3}, N)
                .write(tmp.resolve("model.safetensors"));
        try (Tiny m = new Tiny()) {
            assertThatThrownBy(() -> WeightLoader.load(m, tmp, KeyMap.identity(), WeightLoader.Options.strict()))
                    .hasMessageContaining("'proj.weight'").hasMessageContaining("[2, 3]").hasMessageContaining("[3, 2]");
        }
    }

    @Test
    void unexpectedKeysFailUnlessAllowedThenTheyAreReported(@TempDir Path tmp) throws Exception {
        write(tmp.resolve("model.safetensors"), "", "F32", "extra.weight", "rotary_emb.inv_freq");
        try (Tiny m = new Tiny()) {
            assertThatThrownBy(() -> WeightLoader.load(m, tmp, KeyMap.identity(), WeightLoader.Options.strict()))
                    .hasMessageContaining("extra.weight").hasMessageContaining("rotary_emb.inv_freq");
            WeightLoader.LoadReport r = WeightLoader.load(m, tmp, KeyMap.identity(),
                    WeightLoader.Options.strict().allowUnexpected(true).ignoreUnexpected(".*inv_freq"));
            assertThat(r.unexpected()).containsExactly("extra.weight");
        }
    }

    @Test
    void keyMapRulesAreData() {
        KeyMap m = KeyMap.of(KeyMap.Rule.segment("self_attn.q_proj", "attention.wq"), KeyMap.Rule.prefix("model.", "m."))
                .orElse(KeyMap.identity());
        assertThat(m.candidates("model.layers.0.self_attn.q_proj.weight"))
                .containsExactly("m.layers.0.attention.wq.weight", "model.layers.0.self_attn.q_proj.weight");
        assertThat(m.checkpointKey("lm_head.weight")).isEqualTo("lm_head.weight");
        assertThat(KeyMap.identity().andThen(KeyMap.Rule.prefix("", "language_model.")).checkpointKey("model.norm.weight"))
                .isEqualTo("language_model.model.norm.weight");
    }

    @Test
    void stateDictRoundTrips(@TempDir Path tmp) throws Exception {
        write(tmp.resolve("in.safetensors"), "", "F32");
        try (Tiny m = new Tiny(); SafetensorsFile in = SafetensorsFile.open(tmp.resolve("in.safetensors"))) {
            WeightLoader.load(m, tmp.resolve("in.safetensors"), KeyMap.identity(), WeightLoader.Options.strict());
            List<TensorEntry> sd = WeightSaver.stateDict(m, KeyMap.prefix("model."));
            assertThat(sd).extracting(TensorEntry::name).containsExactly("model.proj.weight", "model.proj.bias", "model.norm.weight");
            Path out = tmp.resolve("out");
            WeightSaver.save(m, KeyMap.prefix("model."), out);
            try (SafetensorsFile f = SafetensorsFile.open(out.resolve("model.safetensors"))) {
                assertThat(f.readFloats("model.proj.weight")).containsExactly(W);
                assertThat(f.metadata()).isEqualTo(Map.of("format", "pt"));
            }
            List<TensorEntry> bf = WeightSaver.stateDict(m, KeyMap.identity(), n -> n.startsWith("proj."), "BF16");
            assertThat(bf).extracting(e -> e.info().dtype()).containsOnly("BF16");
            assertThat(in.names()).hasSize(3);
        }
    }
}
