package org.jtuner.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.jtuner.train.demo.CotDemo;
import org.jtuner.train.demo.Demo;
import org.jtuner.train.demo.MllamaDemo;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jtuner demo}: the LLaVA recipe in miniature on the CPU, from nothing. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Generate a tiny visual QA task and a tiny LLaVA, train stage 1 and stage 2 (LoRA), report accuracy.")
final class DemoCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where everything is written (default: work_dirs/demo).")
    Path workDir = Path.of("work_dirs", "demo");

    @Option(names = "--samples", description = "Training samples to generate (default: ${DEFAULT-VALUE}).")
    int samples = 4000;

    @Option(names = "--held-out", description = "Held-out questions to evaluate (default: ${DEFAULT-VALUE}).")
    int heldOut = 200;

    @Option(names = "--cot", description = "LLaVA-CoT's staged answers (SUMMARY, CAPTION, REASONING, CONCLUSION) with the demo_cot_* recipe; "
            + "reports answer accuracy and structure validity.")
    boolean cot;

    @Option(names = "--mllama", description = "A tiny Llama-3.2-Vision (tiled vision encoder, gated cross-attention) made "
            + "from nothing and trained on the demo's data with the demo_mllama recipe; reports the falling loss.")
    boolean mllama;

    @Option(names = "--no-augment", description = "With --cot: train without the recipe's augmentation.")
    boolean noAugment;

    @Override
    public Integer call() {
        if (noAugment && !cot) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--no-augment needs --cot");
        if (mllama && cot) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--mllama and --cot are separate demos");
        if (mllama) {
            MllamaDemo.run(workDir, samples == 4000 ? MllamaDemo.DEFAULT_SAMPLES : samples, java.util.List.of(), System.out);
            return 0;
        }
        if (cot) {
            CotDemo.run(workDir, samples, heldOut, !noAugment, null, System.out);
            return 0;
        }
        Demo.run(workDir, samples, heldOut, System.out);
        return 0;
    }
}
