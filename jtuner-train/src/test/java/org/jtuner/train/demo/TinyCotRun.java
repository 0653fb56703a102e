package org.jtuner.train.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A few of the CoT demo's samples, its tokenizer and its tiny random LLM and CLIP, and the config keys pointing at them. */
final class TinyCotRun {
    private TinyCotRun() {}

    /** Writes {@code samples} staged training samples as {@code work/data/train.json}; returns the keys of a run on them. */
    static List<String> write(Path work, int samples) throws IOException {
        Path data = work.resolve("data"), llm = work.resolve("models/llm"), vision = work.resolve("models/clip");
        List<ShapesDataset.Scene> scenes = ShapesDataset.generateScenes(data, "train", samples, 0.15, Demo.IMAGE_SIZE, 1);
        ShapesDataset.writeJson(data.resolve("train.json"), CotDemo.staged(scenes, true));
        List<String> words = new ArrayList<>(ShapesDataset.vocabulary());
        for (String w : CotAnswers.vocabulary()) if (!words.contains(w)) words.add(w);
        words.addAll(List.of("USER", "ASSISTANT"));
        Demo.writeLlm(llm, DemoTokenizer.write(llm, words));
        Demo.writeVision(vision);
        return List.of("model.llm=" + llm, "model.vision_encoder=" + vision, "data.image_folder=" + data,
                "data.image_processor=" + vision, "data.tokenizer=" + llm, "data.files=[" + data.resolve("train.json") + "]");
    }
}
