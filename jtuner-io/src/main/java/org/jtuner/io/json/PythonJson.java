package org.jtuner.io.json;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.jtuner.io.AtomicFiles;

/**
 * Writes JSON the way Python's {@code json.dumps(obj, indent=2)} does, which is how transformers writes
 * {@code config.json} and sharded checkpoint indexes ({@code json.dumps(..., indent=2, sort_keys=True) + "\n"}):
 * two-space indentation, {@code ": "} after keys, non-ASCII escaped as {@code \\uXXXX}, and floats in Python's
 * {@code repr} form ({@code 1e-05}, {@code 10000.0}). Files we write then diff cleanly against the ones Python
 * wrote.
 */
public final class PythonJson {
    private PythonJson() {}

    /** {@code json.dumps(node, indent=2, sort_keys=sortKeys)}. */
    public static String dumps(JsonNode node, boolean sortKeys) {
        StringBuilder out = new StringBuilder();
        write(node, sortKeys, 0, out);
        return out.toString();
    }

    /** Writes {@code dumps(node, sortKeys) + "\n"} to {@code file}, atomically (temp file, then rename). */
    public static void writeFile(Path file, JsonNode node, boolean sortKeys) throws IOException {
        byte[] bytes = (dumps(node, sortKeys) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, channel -> {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) channel.write(buffer);
        });
    }

    private static void write(JsonNode node, boolean sortKeys, int depth, StringBuilder out) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            out.append("null");
        } else if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.properties());
            if (fields.isEmpty()) {
                out.append("{}");
                return;
            }
            if (sortKeys) fields.sort(Map.Entry.comparingByKey());
            out.append('{');
            for (int i = 0; i < fields.size(); i++) {
                out.append(i == 0 ? "\n" : ",\n");
                indent(depth + 1, out);
                string(fields.get(i).getKey(), out);
                out.append(": ");
                write(fields.get(i).getValue(), sortKeys, depth + 1, out);
            }
            out.append('\n');
            indent(depth, out);
            out.append('}');
        } else if (node.isArray()) {
            if (node.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                out.append(i == 0 ? "\n" : ",\n");
                indent(depth + 1, out);
                write(node.get(i), sortKeys, depth + 1, out);
            }
            out.append('\n');
            indent(depth, out);
            out.append(']');
        } else if (node.isTextual()) {
            string(node.textValue(), out);
        } else if (node.isBoolean()) {
            out.append(node.booleanValue());
        } else if (node.isIntegralNumber()) {
            out.append(node.bigIntegerValue());
        } else if (node.isNumber()) {
            out.append(pythonFloatRepr(node.doubleValue()));
        } else {
            string(node.asText(), out);
        }
    }

    private static void indent(int depth, StringBuilder out) {
        out.append("  ".repeat(depth));
    }

    /** A JSON string with Python's default {@code ensure_ascii=True} escaping. */
    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7E) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that round-trip (Java's {@link Double#toString} finds the
     * same digits), written in fixed notation when the decimal exponent is in [-4, 16), otherwise as
     * {@code d.ddde±XX}.
     */
    public static String pythonFloatRepr(double value) {
        if (Double.isNaN(value)) return "NaN";
        if (Double.isInfinite(value)) return value > 0 ? "Infinity" : "-Infinity";
        if (value == 0) return (1 / value < 0) ? "-0.0" : "0.0";

        BigDecimal shortest = new BigDecimal(Double.toString(Math.abs(value))).stripTrailingZeros();
        String digits = shortest.unscaledValue().toString();
        int decimalPoint = digits.length() - shortest.scale(); // value = 0.digits x 10^decimalPoint
        StringBuilder out = new StringBuilder(value < 0 ? "-" : "");
        if (decimalPoint > -4 && decimalPoint <= 16) {
            if (decimalPoint <= 0) {
                out.append("0.").append("0".repeat(-decimalPoint)).append(digits);
            } else if (decimalPoint >= digits.length()) {
                out.append(digits).append("0".repeat(decimalPoint - digits.length())).append(".0");
            } else {
                out.append(digits, 0, decimalPoint).append('.').append(digits, decimalPoint, digits.length());
            }
        } else {
            out.append(digits.charAt(0));
            if (digits.length() > 1) out.append('.').append(digits, 1, digits.length());
            int exponent = decimalPoint - 1;
            out.append('e').append(exponent < 0 ? '-' : '+');
            String e = Integer.toString(Math.abs(exponent));
            out.append(e.length() < 2 ? "0" + e : e);
        }
        return out.toString();
    }
}
