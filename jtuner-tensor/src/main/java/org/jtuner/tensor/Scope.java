package org.jtuner.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * An explicit lifetime for tensors. Every tensor created while a scope is open on this thread belongs to the
 * innermost one and is freed when it closes; {@link #keep} hands a tensor to the enclosing scope (or out of all
 * scopes, to be closed by its holder). Tensors created outside any scope (parameters) live until closed.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

    private final Scope parent;
    private final List<Tensor> owned = new ArrayList<>();
    private boolean closed;

    private Scope(Scope parent) {
        this.parent = parent;
    }

    /** Opens a scope nested in the current one. Use with try-with-resources. */
    public static Scope open() {
        Scope s = new Scope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** The innermost open scope of this thread, or null. */
    public static Scope current() {
        return CURRENT.get();
    }

    /** Runs {@code body} with no scope open, so that what it creates outlives the current scopes. */
    public static <T> T unscoped(java.util.function.Supplier<T> body) {
        Scope saved = CURRENT.get();
        CURRENT.remove();
        try {
            return body.get();
        } finally {
            CURRENT.set(saved);
        }
    }

    /** Runs {@code body} with {@code owner} (which may be null: no scope) as the scope that owns new tensors. */
    static <T> T within(Scope owner, java.util.function.Supplier<T> body) {
        Scope saved = CURRENT.get();
        CURRENT.set(owner);
        try {
            return body.get();
        } finally {
            CURRENT.set(saved);
        }
    }

    void register(Tensor t) {
        if (closed) throw new IllegalStateException("scope is closed");
        owned.add(t);
    }

    /** Moves {@code t} out of this scope to the enclosing one (or to no scope), so it survives {@link #close}. */
    public <T extends Tensor> T keep(T t) {
        if (t.owner() != this) throw new IllegalArgumentException("keep: the tensor does not belong to this scope");
        owned.remove(t);
        t.setOwner(parent);
        if (parent != null) parent.register(t);
        return t;
    }

    public Scope parent() {
        return parent;
    }

    @Override
    public void close() {
        if (closed) return;
        if (CURRENT.get() != this) throw new IllegalStateException("scopes must close innermost first");
        closed = true;
        for (Tensor t : owned) t.free();
        owned.clear();
        if (parent == null) CURRENT.remove();
        else CURRENT.set(parent);
    }
}
