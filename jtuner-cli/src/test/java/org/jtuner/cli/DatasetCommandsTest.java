package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jtuner.train.demo.DemoTokenizer;
import org.jtuner.train.demo.ShapesDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** log-dataset and check-dataset from the command line, on a small dataset with planted errors. */
class DatasetCommandsTest {

    @Test
    void checkDatasetNamesEachPlantedProblemAndLogDatasetShowsMaskedText(@TempDir Path dir) throws Exception {
        List<ShapesDataset.Sample> samples = ShapesDataset.generate(dir, "s", 6, 0.0, 32, 3);
        DemoTokenizer.write(dir.resolve("tok"), ShapesDataset.vocabulary());
        StringBuilder jsonl = new StringBuilder();
        for (ShapesDataset.Sample s : samples) {
            jsonl.append("{\"id\": \"").append(s.id()).append("\", \"image\": \"").append(s.image())
                    .append("\", \"conversations\": [{\"from\": \"human\", \"value\": \"<image>\\n").append(s.question())
                    .append("\"}, {\"from\": \"gpt\", \"value\": \"").append(s.answer()).append("\"}]}\n");
        }
        jsonl.append("{\"id\": \"broken\", \"conversations\": [\n");                                            // line 7
        jsonl.append("{\"id\": \"ghost\", \"image\": \"images/none.png\", \"conversations\": [{\"from\": \"human\", "
                + "\"value\": \"<image>\\nwhat shape is it ?\"}, {\"from\": \"gpt\", \"value\": \"circle\"}]}\n"); // line 8
        jsonl.append("{\"id\": \"stranger\", \"conversations\": [{\"from\": \"alien\", \"value\": \"hi\"}, "
                + "{\"from\": \"gpt\", \"value\": \"one\"}]}\n");                                                 // line 9
        Files.writeString(dir.resolve("data.jsonl"), jsonl);
        Files.writeString(dir.resolve("run.yaml"), """
                extends: demo_pretrain
                data:
                  files: [%s]
                  image_folder: %s
                  tokenizer: %s
                  image_seq_length: 16
                """.formatted(dir.resolve("data.jsonl"), dir, dir.resolve("tok")));

        Captured check = run("check-dataset", dir.resolve("run.yaml").toString(), "--no-decode");
        assertThat(check.code).isEqualTo(1);
        assertThat(check.out).contains("data.jsonl:7").contains("data.jsonl:8").contains("ghost")
                .contains("data.jsonl:9").contains("stranger");

        Captured log = run("log-dataset", dir.resolve("run.yaml").toString(), "--show", "all", "-n", "2");
        assertThat(log.code).isZero();
        assertThat(log.out).contains(samples.get(0).question()).contains(samples.get(1).answer()).contains("<image>");
    }

    record Captured(int code, String out) {}

    static Captured run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true));
        try {
            int code = Main.commandLine().execute(args);
            return new Captured(code, buffer.toString());
        } finally {
            System.setOut(saved);
        }
    }
}
