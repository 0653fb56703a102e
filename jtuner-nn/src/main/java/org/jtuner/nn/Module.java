package org.jtuner.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A node of the model tree: named parameters and named children, in registration order. Names follow the
 * checkpoint keys of Hugging Face models ({@code layers.0.self_attn.q_proj.weight}), so that mapping a checkpoint
 * onto a model is a lookup. Parameters live outside any scope until {@link #close}.
 */
public abstract class Module implements AutoCloseable {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    protected Parameter registerParameter(String name, Parameter p) {
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": name '" + name + "' registered twice");
        }
        parameters.put(name, p);
        return p;
    }

    protected <M extends Module> M registerChild(String name, M child) {
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": name '" + name + "' registered twice");
        }
        children.put(name, child);
        return child;
    }

    /** Replaces a registered child (closing the old one). */
    protected <M extends Module> M replaceChild(String name, M child) {
        Module old = children.put(name, child);
        if (old == null) throw new IllegalArgumentException("no child '" + name + "' in " + getClass().getSimpleName());
        if (old != child) old.close();
        return child;
    }

    protected void removeChild(String name) {
        Module old = children.remove(name);
        if (old != null) old.close();
    }

    public Map<String, Module> children() {
        return java.util.Collections.unmodifiableMap(children);
    }

    /** Every parameter below this module, by dotted path. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        parameters.forEach((n, p) -> out.put(prefix + n, p));
        children.forEach((n, c) -> c.collect(prefix + n + ".", out));
    }

    /** Every module below (and including) this one, by dotted path ("" for this one). */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        visitModules("", (path, m) -> out.put(path, m));
        return out;
    }

    private void visitModules(String path, BiConsumer<String, Module> visitor) {
        visitor.accept(path, this);
        children.forEach((n, c) -> c.visitModules(path.isEmpty() ? n : path + "." + n, visitor));
    }

    /** The parameter at a dotted path, or null. */
    public Parameter parameter(String path) {
        return namedParameters().get(path);
    }

    /** The module at a dotted path ("" is this module), or null. */
    public Module module(String path) {
        return namedModules().get(path);
    }

    public List<Parameter> trainableParameters() {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : namedParameters().values()) if (p.trainable()) out.add(p);
        return out;
    }

    public long parameterCount(boolean trainableOnly) {
        long n = 0;
        for (Parameter p : namedParameters().values()) if (!trainableOnly || p.trainable()) n += p.value().numel();
        return n;
    }

    /** Marks every parameter below this module trainable or frozen. */
    public void setTrainable(boolean trainable) {
        for (Parameter p : namedParameters().values()) p.setTrainable(trainable);
    }

    /** Training mode (dropout on) or evaluation mode, for this module and all below. */
    public void train(boolean on) {
        visitModules("", (path, m) -> m.training = on);
    }

    public boolean isTraining() {
        return training;
    }

    /** Frees every parameter below this module. */
    @Override
    public void close() {
        for (Parameter p : parameters.values()) if (p.value() != null) p.value().close();
        for (Module c : children.values()) c.close();
    }
}
