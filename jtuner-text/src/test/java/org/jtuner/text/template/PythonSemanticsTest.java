package org.jtuner.text.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Python behaviours the chat templates rely on, checked against values Python 3.11 prints. */
class PythonSemanticsTest {

    @Test
    void jsonDumpsLikePython() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", List.of(1, 2.0, 1e-7, 1e16, 123456789.125, -0.0, true));
        m.put("a", "é\"\\\n\u0001");
        // json.dumps(m, ensure_ascii=False)
        assertThat(PythonJson.dumps(m))
                .isEqualTo("{\"b\": [1, 2.0, 1e-07, 1e+16, 123456789.125, -0.0, true], \"a\": \"é\\\"\\\\\\n\\u0001\"}");
        // json.dumps(m, ensure_ascii=True, indent=2, sort_keys=True)
        assertThat(new PythonJson(true, 2, null, true).write(Map.of("k", "é😀", "e", List.of())))
                .isEqualTo("{\n  \"e\": [],\n  \"k\": \"\\u00e9\\ud83d\\ude00\"\n}");
        // json.dumps([1, {"a": 1}], separators=(",", ":"))
        assertThat(new PythonJson(false, null, List.of(",", ":"), false).write(List.of(1, Map.of("a", 1))))
                .isEqualTo("[1,{\"a\":1}]");
    }

    @Test
    void floatReprLikePython() {
        assertThat(PythonJson.floatRepr(0.1)).isEqualTo("0.1");
        assertThat(PythonJson.floatRepr(100.0)).isEqualTo("100.0");
        assertThat(PythonJson.floatRepr(1e15)).isEqualTo("1000000000000000.0");
        assertThat(PythonJson.floatRepr(0.0001)).isEqualTo("0.0001");
        assertThat(PythonJson.floatRepr(0.00001)).isEqualTo("1e-05");
        assertThat(PythonJson.floatRepr(1.5e300)).isEqualTo("1.5e+300");
    }

    @Test
    void strAndReprLikePython() {
        assertThat(PythonStr.str(List.of("it's", "a\"b", Map.of("k", true)))).isEqualTo("[\"it's\", 'a\"b', {'k': True}]");
        assertThat(PythonStr.repr("tab\there\u00a0")).isEqualTo("'tab\\there\\xa0'");
    }

    @Test
    void sliceIndicesLikePython() {
        // list(range(5))[::-1], [-10:10:2], [3:1], [-2:]
        assertThat(AstSlice.indices(5, null, null, -1)).containsExactly(4, 3, 2, 1, 0);
        assertThat(AstSlice.indices(5, -10, 10, 2)).containsExactly(0, 2, 4);
        assertThat(AstSlice.indices(5, 3, 1, null)).isEmpty();
        assertThat(AstSlice.indices(5, -2, null, null)).containsExactly(3, 4);
        assertThat(AstSlice.indices(5, 4, 0, -2)).containsExactly(4, 2);
    }

    @Test
    void stringMethodsLikePython() {
        assertThat(PythonMethods.strip("\u3000 x\n", null, true, true)).isEqualTo("x");
        assertThat(PythonMethods.splitlines("a\r\nb\u2028c\n")).containsExactly("a", "b", "c");
        assertThat(PythonMethods.title("hello wORLD o'neil")).isEqualTo("Hello World O'Neil");
    }

    @Test
    void formatLikePython() {
        assertThat(PythonFormat.format("{{{a}}} {0} {}", List.of("x"), Map.of("a", 1))).isEqualTo("{1} x x");
        assertThatThrownBy(() -> PythonFormat.format("{missing}", List.of(), Map.of())).hasMessageContaining("KeyError");
        assertThat(PythonFormat.percent("%s-%03d %.2f %%", List.of("a", 7, 2.5))).isEqualTo("a-007 2.50 %");
    }

    @Test
    void whitespaceIsResolvedBeforeJinjava() {
        // lstrip_blocks removes the indentation of a block tag's line, trim_blocks the newline after it;
        // '-' markers strip all whitespace on their side; one trailing newline of the source is dropped.
        assertThat(JinjaWhitespace.normalize("a\n    {% if x %}\n  b {{- y -}}  \n{%- endif %}\n"))
                .isEqualTo("a\n{% if x %}  b{{ y }}{% endif %}");
        // Text pieces that meet after stripping must not form a tag: "{" + "{%" stays apart.
        assertThat(JinjaWhitespace.normalize("{\n{%- if x %}y{% endif %}")).isEqualTo("{{ '{' }}{% if x %}y{% endif %}");
    }
}
