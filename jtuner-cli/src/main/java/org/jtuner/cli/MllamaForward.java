package org.jtuner.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.io.safetensors.SafetensorsWriter;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;

/**
 * {@code jtuner forward} for a Llama-3.2-Vision folder: inputs by transformers' names (input_ids, attention_mask,
 * labels, pixel_values, aspect_ratio_ids, aspect_ratio_mask, cross_attention_mask); writes logits, loss and every
 * gradient under the checkpoint's names (which are the model's parameter names).
 */
final class MllamaForward {
    private final Path model;
    private final Path inputs;
    private final Path output;

    MllamaForward(Path model, Path inputs, Path output) {
        this.model = model;
        this.inputs = inputs;
        this.output = output;
    }

    int run() throws Exception {
        try (MllamaForConditionalGeneration m = MllamaForConditionalGeneration.load(model, false);
             SafetensorsFile in = SafetensorsFile.open(inputs); Scope scope = Scope.open()) {
            Tensor ids = ForwardCommand.ints(inputs, in, "input_ids", true);
            Tensor mask = ForwardCommand.ints(inputs, in, "attention_mask", false);
            Tensor labels = ForwardCommand.ints(inputs, in, "labels", false);
            Tensor pixels = in.contains("pixel_values")
                    ? Tensor.of(in.readFloats("pixel_values"), ForwardCommand.shape(in, "pixel_values")) : null;
            Tensor arIds = ForwardCommand.ints(inputs, in, "aspect_ratio_ids", pixels != null);
            Tensor arMask = ForwardCommand.ints(inputs, in, "aspect_ratio_mask", false);
            Tensor xmask = ForwardCommand.ints(inputs, in, "cross_attention_mask", false);
            if (pixels != null && xmask == null) {
                throw new IllegalArgumentException(inputs + ": pixel_values without cross_attention_mask (the processor "
                        + "makes it from the <|image|> tokens; give it under that name)");
            }
            m.setTrainable(labels != null);
            Tensor logits = m.forward(ids, mask, pixels, arIds, arMask, xmask);
            List<TensorEntry> out = new ArrayList<>();
            out.add(ForwardCommand.entry("logits", logits));
            if (labels != null) {
                Tensor loss = MllamaForConditionalGeneration.loss(logits, labels);
                loss.backward();
                out.add(ForwardCommand.entry("loss", loss.reshape(1)));
                for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
                    Tensor g = e.getValue().value().grad();
                    if (g != null) out.add(ForwardCommand.entry("grad." + e.getKey(), g));
                }
            }
            SafetensorsWriter.write(output, out, Map.of("format", "pt"));
            System.out.println("forward: wrote " + out.size() + " tensors to " + output);
        }
        return 0;
    }
}
