package org.jtuner.nn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Numbered children ({@code layers.0}, {@code layers.1}, ...). */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    public ModuleList(List<M> modules) {
        for (M m : modules) add(m);
    }

    public void add(M m) {
        registerChild(Integer.toString(items.size()), m);
        items.add(m);
    }

    public M get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    @Override
    public Iterator<M> iterator() {
        return items.iterator();
    }
}
