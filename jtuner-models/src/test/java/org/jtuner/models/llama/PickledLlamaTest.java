package org.jtuner.models.llama;

import static org.jtuner.models.llama.Refs.assertClose;
import static org.jtuner.models.llama.Refs.relativeError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * tiny-llama loaded from the PyTorch pickles of {@code torch-pickles/} as a model folder (config.json beside
 * {@code pytorch_model.bin}, or the shards with their index): the forward equals the reference's logits and loss.
 */
class PickledLlamaTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"zip", "legacy", "sharded", "zip-bf16"})
    void aPickledModelFolderForwardsAsTheReference(String variant) throws Exception {
        Path pickles = Fixtures.path("torch-pickles");
        Path dir = tmp.resolve(variant);
        Files.createDirectories(dir);
        Files.copy(pickles.resolve("config.json"), dir.resolve("config.json"));
        try (Stream<Path> files = Files.list(pickles.resolve(variant))) {
            for (Path f : files.toList()) Files.createSymbolicLink(dir.resolve(f.getFileName()), f.toAbsolutePath());
        }
        // BF16 weights are the reference's rounded to BF16: the logits then differ by BF16 rounding, ~1e-2.
        double tolerance = variant.equals("zip-bf16") ? 3e-2 : 1e-5;
        try (LlamaForCausalLM model = LlamaForCausalLM.load(dir);
             SafetensorsFile ref = SafetensorsFile.open(pickles.resolve("reference.safetensors"));
             Scope scope = Scope.open()) {
            Tensor ids = Refs.ints(ref, "input_ids");
            Tensor mask = Refs.ints(ref, "attention_mask");
            Tensor logits = model.forwardIds(ids, mask);
            int vocab = model.config().vocabSize();
            assertClose(variant + " logits", relativeError(logits.toFloatArray(), ref.readFloats("logits"), vocab,
                    mask.toIntArray()), tolerance);
            Tensor loss = LlamaForCausalLM.causalLmLoss(logits, Refs.ints(ref, "labels"));
            assertClose(variant + " loss", relativeError(new float[] {loss.item()}, ref.readFloats("loss")), tolerance);
        }
    }
}
