package org.jtuner.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlavaJsonReaderTest {
    private final List<RawSample> samples = new ArrayList<>();
    private final List<Problem> problems = new ArrayList<>();
    private final LlavaJsonReader.Sink sink = new LlavaJsonReader.Sink() {
        @Override
        public void sample(RawSample s) {
            samples.add(s);
        }

        @Override
        public void problem(Problem p) {
            problems.add(p);
        }
    };

    @Test
    void jsonListRowsKnowTheirLines(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("d.json");
        Files.writeString(f, """
                [
                  {"id": 1, "image": "a.jpg",
                   "conversations": [{"from": "human", "value": "<image>\\nhi"}, {"from": "gpt", "value": "yo"}]},
                  {"id": "t", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]},
                  {"id": "m", "image": ["a.jpg", "b.jpg"], "conversations": []},
                  [1, 2],
                  {"id": "bad", "image": 3, "conversations": []}
                ]
                """);
        LlavaJsonReader.read(f, sink);
        assertThat(samples).extracting(s -> s.source().line()).containsExactly(2L, 4L, 5L);
        assertThat(samples).extracting(s -> s.source().id()).containsExactly("1", "t", "m");
        assertThat(samples.get(0).images()).containsExactly("a.jpg");
        assertThat(samples.get(1).images()).isEmpty();
        assertThat(samples.get(2).images()).containsExactly("a.jpg", "b.jpg");
        assertThat(problems).extracting(Problem::kind).containsExactly(ProblemKind.BAD_ROW, ProblemKind.BAD_ROW);
        assertThat(problems).extracting(p -> p.source().line()).containsExactly(6L, 7L);
    }

    @Test
    void jsonlGoesOnAfterAMalformedLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, """
                {"id": "a", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}
                {"id": "b", "conversations": [{"from": "human", "value": "q"},

                {"id": "c", "conversations": [{"from": "human"}]}
                {"id": "d", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}
                """);
        LlavaJsonReader.read(f, sink);
        assertThat(samples).extracting(s -> s.source().id()).containsExactly("a", "d");
        assertThat(samples).extracting(s -> s.source().line()).containsExactly(1L, 5L);
        assertThat(problems).extracting(Problem::kind).containsExactly(ProblemKind.MALFORMED_JSON, ProblemKind.BAD_ROW);
        assertThat(problems.get(0).source().line()).isEqualTo(2);
        assertThat(problems.get(1).toString()).startsWith(f + ":4 (id c): not a LLaVA row: turn 0 must be");
    }

    @Test
    void aBrokenJsonListStopsWithTheLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("d.json");
        Files.writeString(f, "[\n{\"id\": \"a\", \"conversations\": []},\n{\"id\": \"b\", \"conversations\": [}\n]\n");
        LlavaJsonReader.read(f, sink);
        assertThat(samples).hasSize(1);
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(ProblemKind.MALFORMED_JSON);
            assertThat(p.source().line()).isEqualTo(3);
        });
    }
}
