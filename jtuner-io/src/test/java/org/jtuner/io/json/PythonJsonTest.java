package org.jtuner.io.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class PythonJsonTest {

    @Test
    void floatsAreWrittenAsPythonsRepr() {
        // Expected strings are what CPython's repr(float) prints.
        assertThat(PythonJson.pythonFloatRepr(1e-5)).isEqualTo("1e-05");
        assertThat(PythonJson.pythonFloatRepr(1e-6)).isEqualTo("1e-06");
        assertThat(PythonJson.pythonFloatRepr(0.0001)).isEqualTo("0.0001");
        assertThat(PythonJson.pythonFloatRepr(0.02)).isEqualTo("0.02");
        assertThat(PythonJson.pythonFloatRepr(10000.0)).isEqualTo("10000.0");
        assertThat(PythonJson.pythonFloatRepr(1000000.0)).isEqualTo("1000000.0");
        assertThat(PythonJson.pythonFloatRepr(1e16)).isEqualTo("1e+16");
        assertThat(PythonJson.pythonFloatRepr(1234567890123456.0)).isEqualTo("1234567890123456.0");
        assertThat(PythonJson.pythonFloatRepr(2.5e-07)).isEqualTo("2.5e-07");
        assertThat(PythonJson.pythonFloatRepr(-3.14)).isEqualTo("-3.14");
        assertThat(PythonJson.pythonFloatRepr(0.1 + 0.2)).isEqualTo("0.30000000000000004");
        assertThat(PythonJson.pythonFloatRepr(1.0)).isEqualTo("1.0");
        assertThat(PythonJson.pythonFloatRepr(-0.0)).isEqualTo("-0.0");
        assertThat(PythonJson.pythonFloatRepr(1.7976931348623157e308)).isEqualTo("1.7976931348623157e+308");
        assertThat(PythonJson.pythonFloatRepr(Double.NaN)).isEqualTo("NaN");
    }

    @Test
    void layoutIsJsonDumpsWithIndentTwo() throws Exception {
        var node = new ObjectMapper().readTree("{\"b\":[1,2.0,\"é\"],\"a\":{},\"c\":[],\"d\":{\"x\":null,\"y\":true}}");
        assertThat(PythonJson.dumps(node, true)).isEqualTo("""
                {
                  "a": {},
                  "b": [
                    1,
                    2.0,
                    "\\u00e9"
                  ],
                  "c": [],
                  "d": {
                    "x": null,
                    "y": true
                  }
                }""");
        assertThat(PythonJson.dumps(node, false)).startsWith("{\n  \"b\": [");
    }
}
