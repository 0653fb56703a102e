package org.jtuner.text.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.List;

/** The globals transformers adds to the chat-template environment: {@code raise_exception} and {@code strftime_now}. */
final class TemplateFunctions {
    private TemplateFunctions() {}

    /** Context variable holding the {@link Clock} that {@code strftime_now} reads (hidden from templates by its name). */
    static final String CLOCK_VARIABLE = "__jtuner_clock__";

    /** Thrown by {@code raise_exception(message)}; {@link ChatTemplate} reports it with the template's message. */
    static final class RaisedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        RaisedException(String message) {
            super(message);
        }
    }

    static List<ELFunctionDefinition> definitions() {
        return List.of(
                definition("raise_exception", "raiseException", Object.class),
                definition("strftime_now", "strftimeNow", String.class));
    }

    private static ELFunctionDefinition definition(String name, String method, Class<?>... parameters) {
        try {
            Method m = TemplateFunctions.class.getDeclaredMethod(method, parameters);
            m.setAccessible(true); // this class is package-private; Jinjava calls it reflectively
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    static Object raiseException(Object message) {
        throw new RaisedException(String.valueOf(message));
    }

    static String strftimeNow(String format) {
        Clock clock = JinjavaInterpreter.getCurrentMaybe()
                .map(i -> i.getContext().get(CLOCK_VARIABLE))
                .filter(Clock.class::isInstance)
                .map(Clock.class::cast)
                .orElse(Clock.systemDefaultZone());
        return PythonStrftime.format(ZonedDateTime.now(clock), format);
    }
}
