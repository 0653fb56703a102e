package org.jtuner.io.torch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A pickle reader that builds only data: None, booleans, integers, floats, strings, bytes, tuples and lists (as
 * {@link List}), dicts (as {@link LinkedHashMap}), sets, and what the globals of {@link PickleGlobals} make. A
 * GLOBAL, STACK_GLOBAL or INST naming anything else is refused at the opcode that names it, before anything is called;
 * the extension registry (EXT1/2/4) is refused too. Every read is bounds-checked against the input.
 *
 * <p>Tuples and lists both come out as lists; REDUCE, NEWOBJ and OBJ call only resolved allow-listed globals.
 */
final class RestrictedUnpickler {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64BE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    /** A pickle that cannot be read; the message says what and where (a byte offset into the pickle). */
    static final class PickleException extends RuntimeException {
        final boolean forbiddenGlobal;

        PickleException(String message, boolean forbiddenGlobal) {
            super(message);
            this.forbiddenGlobal = forbiddenGlobal;
        }
    }

    private final MemorySegment in;
    private final Function<Object, Object> persistentLoad;
    private long pos;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private RestrictedUnpickler(MemorySegment in, long start, Function<Object, Object> persistentLoad) {
        this.in = in;
        this.pos = start;
        this.persistentLoad = persistentLoad;
    }

    /** The result of one pickle starting at {@code start}, and the offset just past its STOP. */
    record Result(Object value, long end) {}

    static Result load(MemorySegment in, long start, Function<Object, Object> persistentLoad) {
        RestrictedUnpickler u = new RestrictedUnpickler(in, start, persistentLoad);
        Object v = u.run();
        return new Result(v, u.pos);
    }

    private Object run() {
        while (true) {
            long at = pos;
            int op = u8();
            try {
                if (op == '.') {
                    if (stack.isEmpty()) throw fail("STOP with an empty stack");
                    return pop();
                }
                step(op);
            } catch (PickleException e) {
                throw e;
            } catch (IllegalArgumentException | ClassCastException | IndexOutOfBoundsException e) {
                throw fail("bad pickle at byte " + at + " (opcode 0x" + Integer.toHexString(op) + "): " + e.getMessage());
            }
        }
    }

    private void step(int op) {
        switch (op) {
            case 0x80 -> u8(); // PROTO
            case 0x95 -> bytes(8); // FRAME: a length hint only
            case '(' -> { marks.add(stack.size()); }
            case '0' -> pop();
            case '1' -> popMark();
            case '2' -> push(peek());
            case 'N' -> push(null);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            case 'K' -> push((long) u8());
            case 'M' -> push((long) Short.toUnsignedInt(in.get(I16, take(2))));
            case 'J' -> push((long) in.get(I32, take(4)));
            case 0x8a -> push(longFrom(bytes(u8())));
            case 0x8b -> push(longFrom(bytes(length(in.get(I32, take(4))))));
            case 'I' -> push(parseIntLine(line()));
            case 'L' -> push(new BigInteger(stripL(line())));
            case 'G' -> push(in.get(F64BE, take(8)));
            case 'F' -> push(Double.parseDouble(line()));
            case 'X' -> push(utf8(length(in.get(I32, take(4)))));
            case 0x8c -> push(utf8(u8()));
            case 0x8d -> push(utf8(length(in.get(I64, take(8)))));
            case 'V' -> push(line()); // raw-unicode-escape; names and keys are ASCII in practice
            case 'T' -> push(new String(bytes(length(in.get(I32, take(4)))), StandardCharsets.ISO_8859_1));
            case 'U' -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
            case 'S' -> push(unquote(line()));
            case 'B' -> push(bytes(length(in.get(I32, take(4)))));
            case 'C' -> push(bytes(u8()));
            case 0x8e -> push(bytes(length(in.get(I64, take(8)))));
            case 0x96 -> push(bytes(length(in.get(I64, take(8))))); // BYTEARRAY8
            case ')' -> push(List.of());
            case 't' -> push(Collections.unmodifiableList(popMark()));
            case 0x85 -> push(tuple(1));
            case 0x86 -> push(tuple(2));
            case 0x87 -> push(tuple(3));
            case ']' -> push(new ArrayList<>());
            case 'l' -> push(new ArrayList<>(popMark()));
            case 'a' -> { Object v = pop(); list(peek()).add(v); }
            case 'e' -> { List<Object> items = popMark(); list(peek()).addAll(items); }
            case '}' -> push(new LinkedHashMap<>());
            case 'd' -> push(dictOf(popMark()));
            case 's' -> { Object v = pop(); Object k = pop(); dict(peek()).put(k, v); }
            case 'u' -> { List<Object> items = popMark(); dict(peek()).putAll(dictOf(items)); }
            case 0x8f -> push(new LinkedHashSet<>());
            case 0x90 -> { List<Object> items = popMark(); set(peek()).addAll(items); }
            case 0x91 -> push(Collections.unmodifiableSet(new LinkedHashSet<>(popMark())));
            case 'p' -> memo.put(Long.parseLong(line().strip()), peek());
            case 'q' -> memo.put((long) u8(), peek());
            case 'r' -> memo.put(Integer.toUnsignedLong(in.get(I32, take(4))), peek());
            case 0x94 -> memo.put((long) memo.size(), peek());
            case 'g' -> push(memoGet(Long.parseLong(line().strip())));
            case 'h' -> push(memoGet(u8()));
            case 'j' -> push(memoGet(Integer.toUnsignedLong(in.get(I32, take(4)))));
            case 'c' -> { String module = line(); String name = line(); push(global(module, name)); }
            case 0x93 -> { Object name = pop(); Object module = pop(); push(global(str(module), str(name))); }
            case 'i' -> { String module = line(); String name = line(); push(call(global(module, name), popMark())); }
            case 'o' -> { List<Object> items = popMark(); push(call(items.getFirst(), items.subList(1, items.size()))); }
            case 'R' -> { Object args = pop(); Object f = pop(); push(call(f, list(args))); }
            case 0x81 -> { Object args = pop(); Object cls = pop(); push(call(cls, list(args))); }
            case 0x92 -> { pop(); Object args = pop(); Object cls = pop(); push(call(cls, list(args))); }
            case 'b' -> build(pop(), peek());
            case 'P' -> push(persistentLoad.apply(line()));
            case 'Q' -> push(persistentLoad.apply(pop()));
            case 0x82, 0x83, 0x84 -> throw new PickleException("refused: the pickle uses the copyreg extension "
                    + "registry (EXT opcodes), which names code to run", true);
            default -> throw fail("unknown pickle opcode 0x" + Integer.toHexString(op) + " at byte " + (pos - 1));
        }
    }

    private Object global(String module, String name) {
        Object g = PickleGlobals.resolve(module, name);
        if (g == null) {
            throw new PickleException("refused global '" + module + "." + name + "' (a weights-only load allows only "
                    + "tensors, storages and plain containers; nothing in the file was run)", true);
        }
        return g;
    }

    private static Object call(Object f, List<Object> args) {
        if (f instanceof PickleGlobals.Callable c) return c.call(args);
        throw new IllegalArgumentException("calls " + describe(f) + ", which is not a callable allowed global");
    }

    /** BUILD: an OrderedDict's attributes (a state dict's {@code _metadata}) carry no weights; anything else is refused. */
    private static void build(Object state, Object target) {
        if (target instanceof Map<?, ?> || target instanceof PickleGlobals.TensorRef) return;
        throw new IllegalArgumentException("BUILD on " + describe(target));
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    // ---- stack and memo

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty() || (!marks.isEmpty() && marks.getLast() == stack.size())) throw fail("stack underflow");
        return stack.removeLast();
    }

    private Object peek() {
        if (stack.isEmpty()) throw fail("stack underflow");
        return stack.getLast();
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw fail("no MARK on the stack");
        int from = marks.removeLast();
        List<Object> items = new ArrayList<>(stack.subList(from, stack.size()));
        stack.subList(from, stack.size()).clear();
        return items;
    }

    private List<Object> tuple(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) items[i] = pop();
        return Collections.unmodifiableList(java.util.Arrays.asList(items));
    }

    private Object memoGet(long key) {
        if (!memo.containsKey(key)) throw fail("memo key " + key + " read before it was written");
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw new IllegalArgumentException("expected a list or tuple, found " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> dict(Object o) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw new IllegalArgumentException("expected a dict, found " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private static Set<Object> set(Object o) {
        if (o instanceof Set<?> s) return (Set<Object>) s;
        throw new IllegalArgumentException("expected a set, found " + describe(o));
    }

    private static Map<Object, Object> dictOf(List<Object> items) {
        if (items.size() % 2 != 0) throw new IllegalArgumentException("odd number of items for a dict");
        Map<Object, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
        return m;
    }

    private static String str(Object o) {
        if (o instanceof String s) return s;
        throw new IllegalArgumentException("STACK_GLOBAL with a non-string name: " + describe(o));
    }

    // ---- reading, bounds-checked

    private long take(long n) {
        if (n < 0 || pos + n > in.byteSize()) {
            throw fail("the pickle ends early: " + n + " bytes wanted at byte " + pos + " of " + in.byteSize());
        }
        long at = pos;
        pos += n;
        return at;
    }

    private int u8() {
        return Byte.toUnsignedInt(in.get(ValueLayout.JAVA_BYTE, take(1)));
    }

    private byte[] bytes(long n) {
        if (n > Integer.MAX_VALUE - 8) throw fail("a " + n + "-byte string in the pickle");
        long at = take(n);
        return in.asSlice(at, n).toArray(ValueLayout.JAVA_BYTE);
    }

    private String utf8(long n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private static long length(long n) {
        if (n < 0) throw new IllegalArgumentException("negative length " + n);
        return n;
    }

    private String line() {
        long start = pos;
        while (true) {
            if (pos >= in.byteSize()) throw fail("the pickle ends inside a text line at byte " + start);
            if (in.get(ValueLayout.JAVA_BYTE, pos++) == '\n') break;
        }
        return new String(in.asSlice(start, pos - 1 - start).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    private static Object longFrom(byte[] le) {
        if (le.length == 0) return 0L;
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) be[i] = le[le.length - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static Object parseIntLine(String s) {
        s = s.strip();
        if (s.equals("00")) return Boolean.FALSE;
        if (s.equals("01")) return Boolean.TRUE;
        return Long.parseLong(s);
    }

    private static String stripL(String s) {
        s = s.strip();
        return s.endsWith("L") ? s.substring(0, s.length() - 1) : s;
    }

    private static String unquote(String s) {
        s = s.strip();
        if (s.length() >= 2 && (s.charAt(0) == '\'' || s.charAt(0) == '"')) return s.substring(1, s.length() - 1);
        return s;
    }

    private PickleException fail(String message) {
        return new PickleException(message, false);
    }
}
