package org.jtuner.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;

import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.nn.Lora;
import org.jtuner.nn.LoraSpec;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.train.config.RunConfig;

/**
 * Builds the model a run trains, as XTuner's LLaVAModel does: the parts, what is frozen, the LoRA adapters, the
 * weights of an earlier stage ({@code pretrained_pth}), and BF16 storage for frozen weights under bf16 precision.
 */
public final class ModelSetup {
    private ModelSetup() {}

    public static LlavaForConditionalGeneration build(RunConfig.ModelConfig c, String precision, int imageTokenIndex,
                                                      Random random) {
        LlavaForConditionalGeneration model;
        try {
            if (c.llava() != null) {
                model = LlavaForConditionalGeneration.load(Path.of(c.llava()));
            } else {
                if (c.llm() == null || c.visionEncoder() == null) {
                    throw new IllegalArgumentException("model: give either model.llava (a LLaVA checkpoint) or both "
                            + "model.llm and model.vision_encoder");
                }
                model = LlavaForConditionalGeneration.assemble(Path.of(c.llm()), Path.of(c.visionEncoder()),
                        c.projectorDepth(), c.visionFeatureLayer(), c.visionFeatureSelect(), imageTokenIndex, false, random);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the model: " + e.getMessage(), e);
        }
        configureTraining(model, c, random);
        if (c.pretrainedPth() != null) loadPretrained(model, Path.of(c.pretrainedPth()));
        if ("bf16".equals(precision)) storeFrozenInBf16(model);
        return model;
    }

    /** Freezing and adapters per the config. The projector always trains. */
    public static void configureTraining(LlavaForConditionalGeneration model, RunConfig.ModelConfig c, Random random) {
        model.setTrainable(false);
        model.projector().setTrainable(true);
        if (!c.freezeLlm()) model.languageModel().setTrainable(true);
        if (!c.freezeVisualEncoder()) model.visionTower().setTrainable(true);
        if (c.llmLora() != null) Lora.apply(model.languageModel(), loraSpec(c.llmLora(), "model.llm_lora"), random);
        if (c.visualEncoderLora() != null) {
            Lora.apply(model.visionTower(), loraSpec(c.visualEncoderLora(), "model.visual_encoder_lora"), random);
        }
    }

    public static LoraSpec loraSpec(RunConfig.LoraConfig l, String key) {
        JsonNode t = l.targetModules();
        if (t == null || t.isNull() || t.isTextual() && t.asText().equals("all-linear")) {
            return LoraSpec.allLinear(l.r(), l.alpha(), l.dropout());
        }
        if (t.isTextual()) return new LoraSpec(l.r(), l.alpha(), l.dropout(), List.of(), t.asText(), false, List.of());
        if (t.isArray()) {
            List<String> names = new ArrayList<>();
            t.forEach(n -> names.add(n.asText()));
            return LoraSpec.targets(l.r(), l.alpha(), l.dropout(), names);
        }
        throw new IllegalArgumentException(key + ".target_modules must be a list of names, a regex, or all-linear");
    }

    /**
     * Loads weights saved by an earlier run: a jtuner checkpoint folder, or a work dir (its newest checkpoint), or a
     * weights file as XTuner leaves it ({@code iter_N.pth}: mmengine's dict, read through the restricted unpickler;
     * {@code .bin}, {@code .safetensors}), or a DeepSpeed {@code iter_N.pth/} folder. Every tensor in the file must
     * name a parameter of this model, by jtuner's name, XTuner's LLaVAModel name, or a bare language-model name.
     */
    public static void loadPretrained(Module model, Path path) {
        if (Files.isRegularFile(path)) {
            loadWeights(model, path);
            return;
        }
        Path deepSpeed = path.resolve("mp_rank_00_model_states.pt");
        if (Files.isRegularFile(deepSpeed)) {
            loadWeights(model, deepSpeed);
            return;
        }
        Path ckpt = path;
        if (!Files.isRegularFile(path.resolve(Checkpoints.WEIGHTS))) {
            ckpt = new Checkpoints(path).latest();
            if (ckpt == null) {
                throw new IllegalArgumentException("model.pretrained_pth: " + path + " holds no checkpoint (expected "
                        + Checkpoints.WEIGHTS + " in it, or iter_<step> folders of an earlier run, or a .pth/.bin file)");
            }
        }
        loadWeights(model, ckpt.resolve(Checkpoints.WEIGHTS));
    }

    /** Copies every tensor of a weights file (safetensors or a PyTorch pickle) into its parameter (shapes must agree). */
    public static void loadWeights(Module model, Path file) {
        Map<String, Parameter> params = model.namedParameters();
        try (ShardedCheckpoint f = ShardedCheckpoint.open(file)) {
            for (String key : f.names()) {
                String name = PretrainedKeys.parameterName(key, params.keySet());
                if (name == null) {
                    throw new IllegalArgumentException(file + ": tensor '" + key + "' names no parameter of this model "
                            + "(was it saved from a model with other adapters?)");
                }
                Parameter p = params.get(name);
                float[] values = f.readFloats(key);
                int[] shape = p.shape();
                if (values.length != p.value().numel()) {
                    throw new IllegalArgumentException(file + ": '" + key + "' has " + values.length
                            + " values, the parameter " + name + " has shape " + java.util.Arrays.toString(shape));
                }
                DType dtype = p.value().dtype();
                Tensor t = Scope.unscoped(() -> {
                    Tensor f32 = Tensor.of(values, shape);
                    if (dtype == DType.F32) return f32;
                    Tensor cast = f32.to(dtype);
                    f32.close();
                    return cast;
                });
                p.set(t);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Frozen weight matrices in BF16 (half the memory); trainable weights stay F32 master weights. */
    static void storeFrozenInBf16(Module model) {
        for (Parameter p : model.namedParameters().values()) {
            if (p.trainable() || p.value().dtype() != DType.F32 || p.value().rank() < 2) continue;
            Tensor bf16 = Scope.unscoped(() -> {
                try (Scope s = Scope.open()) {
                    return s.keep(p.value().to(DType.BF16).detach());
                }
            });
            p.set(bf16);
        }
    }
}
