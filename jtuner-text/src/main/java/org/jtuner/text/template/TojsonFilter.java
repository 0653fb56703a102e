package org.jtuner.text.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.List;
import java.util.Map;

/**
 * The {@code tojson} filter as transformers defines it for chat templates:
 * {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)} with those
 * parameters open to the template, positionally or by name. (Jinja's own {@code tojson} escapes HTML
 * characters and Jinjava's writes compact JSON; neither is what the models were trained on.)
 */
final class TojsonFilter implements Filter {
    private static final List<String> PARAMETERS = List.of("ensure_ascii", "indent", "separators", "sort_keys");

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return PythonJson.dumps(var);
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object[] values = new Object[PARAMETERS.size()];
        if (args.length > values.length) throw new IllegalArgumentException("tojson takes at most 4 arguments");
        System.arraycopy(args, 0, values, 0, args.length);
        kwargs.forEach((name, value) -> {
            int i = PARAMETERS.indexOf(name);
            if (i < 0) throw new IllegalArgumentException("tojson got an unexpected keyword argument '" + name + "'");
            values[i] = value;
        });
        boolean ensureAscii = values[0] != null && Boolean.TRUE.equals(values[0]);
        List<?> separators = values[2] == null ? null : (List<?>) values[2];
        boolean sortKeys = values[3] != null && Boolean.TRUE.equals(values[3]);
        return new PythonJson(ensureAscii, values[1], separators, sortKeys).write(var);
    }
}
