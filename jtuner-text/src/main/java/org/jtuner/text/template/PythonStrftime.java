package org.jtuner.text.template;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} in the C locale, for the {@code strftime_now} function of chat
 * templates (Llama 3.1 writes "Today Date: {{ strftime_now('%d %b %Y') }}"). Includes glibc's
 * {@code %-d} form (no padding), which those templates use on Linux.
 */
final class PythonStrftime {
    private PythonStrftime() {}

    static String format(ZonedDateTime t, String pattern) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 >= pattern.length()) {
                out.append(c);
                continue;
            }
            char d = pattern.charAt(++i);
            boolean noPad = false;
            if (d == '-' && i + 1 < pattern.length()) {
                noPad = true;
                d = pattern.charAt(++i);
            }
            out.append(directive(t, d, noPad));
        }
        return out.toString();
    }

    private static String directive(ZonedDateTime t, char d, boolean noPad) {
        return switch (d) {
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.US);
            case 'd' -> pad(t.getDayOfMonth(), 2, noPad);
            case 'e' -> noPad ? Integer.toString(t.getDayOfMonth()) : String.format("%2d", t.getDayOfMonth());
            case 'm' -> pad(t.getMonthValue(), 2, noPad);
            case 'y' -> pad(t.getYear() % 100, 2, noPad);
            case 'Y' -> Integer.toString(t.getYear());
            case 'H' -> pad(t.getHour(), 2, noPad);
            case 'I' -> pad(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, noPad);
            case 'M' -> pad(t.getMinute(), 2, noPad);
            case 'S' -> pad(t.getSecond(), 2, noPad);
            case 'f' -> String.format("%06d", t.get(ChronoField.MICRO_OF_SECOND));
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'j' -> pad(t.getDayOfYear(), 3, noPad);
            case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
            case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
            // datetime.now() is naive (no tzinfo): Python prints nothing for the zone directives.
            case 'z', 'Z' -> "";
            case 'c' -> format(t, "%a %b %e %H:%M:%S %Y");
            case 'x' -> format(t, "%m/%d/%y");
            case 'X' -> format(t, "%H:%M:%S");
            case 'D' -> format(t, "%m/%d/%y");
            case 'F' -> format(t, "%Y-%m-%d");
            case 'T' -> format(t, "%H:%M:%S");
            case 'R' -> format(t, "%H:%M");
            case 'n' -> "\n";
            case 't' -> "\t";
            case '%' -> "%";
            default -> throw new IllegalArgumentException("strftime_now: unsupported directive %" + d);
        };
    }

    private static String pad(int value, int width, boolean noPad) {
        String s = Integer.toString(value);
        return noPad || s.length() >= width ? s : "0".repeat(width - s.length()) + s;
    }
}
