package org.jtuner.tensor.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Shapes;
import org.jtuner.tensor.Tensor;

/**
 * Define-by-run reverse-mode differentiation. Ops call {@link #record} on their outputs; {@link #backward} walks
 * the recorded graph from a root in reverse topological order, freeing each intermediate gradient as soon as it
 * has been consumed, and accumulating ({@code +=}) into the {@code grad} of trainable leaves.
 */
public final class Autograd {
    private static final ThreadLocal<int[]> NO_GRAD_DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private static final ThreadLocal<boolean[]> RECOMPUTING = ThreadLocal.withInitial(() -> new boolean[1]);

    /** True while a checkpointed block runs again during backward: random choices must repeat the first run's. */
    public static boolean isRecomputing() {
        return RECOMPUTING.get()[0];
    }

    private Autograd() {}

    /** A region in which ops record nothing. Use with try-with-resources. */
    public static AutoCloseable noGrad() {
        int[] depth = NO_GRAD_DEPTH.get();
        depth[0]++;
        return new NoGrad(depth);
    }

    private record NoGrad(int[] depth) implements AutoCloseable {
        @Override
        public void close() {
            depth[0]--;
        }
    }

    /** Runs {@code body} with gradient recording on, whatever the enclosing mode (used to recompute in backward). */
    public static <T> T withGradEnabled(java.util.function.Supplier<T> body) {
        int[] depth = NO_GRAD_DEPTH.get();
        int saved = depth[0];
        depth[0] = 0;
        try {
            return body.get();
        } finally {
            depth[0] = saved;
        }
    }

    /**
     * Activation checkpointing: runs {@code block} without recording, in its own scope so that its intermediates
     * are freed at once, and keeps only the output. The backward runs the block again with recording on and
     * back-propagates through that copy; gradients of the weights the block uses accumulate as usual. The block
     * must compute the same function both times (seeded dropout, no hidden state).
     */
    public static Tensor checkpoint(java.util.function.Function<Tensor[], Tensor> block, Tensor... inputs) {
        if (!isEnabled()) return block.apply(inputs);
        Tensor out;
        try (org.jtuner.tensor.Scope s = org.jtuner.tensor.Scope.open(); AutoCloseable ng = noGrad()) {
            out = s.keep(block.apply(inputs).detach());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        boolean[] needs = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) needs[i] = inputs[i].requiresGrad();
        out.setGradFn(new GradFn("checkpoint", inputs.clone(), needs, (g, need) -> {
            Tensor[] grads = new Tensor[inputs.length];
            boolean wasRecomputing = RECOMPUTING.get()[0];
            RECOMPUTING.get()[0] = true;
            try (org.jtuner.tensor.Scope s = org.jtuner.tensor.Scope.open()) {
                Tensor[] copies = new Tensor[inputs.length];
                for (int i = 0; i < inputs.length; i++) {
                    copies[i] = inputs[i].detach();
                    if (need[i]) copies[i].requiresGrad(true);
                }
                Tensor again = withGradEnabled(() -> block.apply(copies));
                if (again.requiresGrad()) again.backward(g);
                for (int i = 0; i < inputs.length; i++) {
                    if (need[i] && copies[i].grad() != null) {
                        Tensor gi = copies[i].grad();
                        copies[i].setGrad(null);
                        grads[i] = s.keep(gi);
                    }
                }
            } finally {
                RECOMPUTING.get()[0] = wasRecomputing;
            }
            return grads;
        }));
        return out;
    }

    public static boolean isEnabled() {
        return NO_GRAD_DEPTH.get()[0] == 0;
    }

    /** True when an op on these inputs must record how to differentiate it. */
    public static boolean needed(Tensor... inputs) {
        if (!isEnabled()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    /** Attaches a backward function to {@code out} when any input requires a gradient; returns {@code out}. */
    public static Tensor record(String op, Tensor out, Tensor[] inputs, GradFn.Backward backward) {
        if (!needed(inputs)) return out;
        boolean[] needs = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) needs[i] = inputs[i] != null && inputs[i].requiresGrad();
        out.setGradFn(new GradFn(op, inputs.clone(), needs, backward));
        return out;
    }

    /** Runs backward from {@code root}; {@code seed} may be null for a scalar root. */
    public static void backward(Tensor root, Tensor seed, boolean retainGraph) {
        root.checkLive();
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward() on a tensor that does not require grad: nothing in its "
                    + "graph is trainable (set requiresGrad(true) on a leaf, and do not compute it under noGrad)");
        }
        if (seed == null && root.numel() != 1) {
            throw new IllegalArgumentException("backward() without a seed gradient needs a scalar; this tensor has "
                    + "shape " + Shapes.str(root.shape()) + ": pass backward(seed) with a gradient of that shape");
        }
        if (seed != null && !java.util.Arrays.equals(seed.shape(), root.shape())) {
            throw new IllegalArgumentException("backward: seed shape " + Shapes.str(seed.shape())
                    + " differs from the tensor's shape " + Shapes.str(root.shape()));
        }
        if (root.gradFn() != null && root.gradFn().isReleased()) root.gradFn().apply(null); // throws plainly
        try (AutoCloseable ignored = noGrad()) {
            Tensor start = seed != null ? seed.detach() : Ops.onesLike(root);
            if (root.isLeaf()) {
                root.accumulateGrad(start);
                return;
            }
            Map<Tensor, Tensor> grads = new IdentityHashMap<>();
            grads.put(root, start);
            for (Tensor t : topologicalOrder(root)) {
                Tensor g = grads.remove(t);
                if (g == null) continue;
                GradFn fn = t.gradFn();
                Tensor[] inputGrads = fn.apply(g);
                if (!retainGraph) fn.release();
                Tensor[] inputs = fn.inputs();
                boolean[] needs = fn.needsGrad();
                for (int i = 0; i < inputs.length; i++) {
                    if (!needs[i] || inputGrads[i] == null) continue;
                    // A fresh tensor object per entry: the backward may return one object for several inputs.
                    Tensor owned = inputGrads[i].detach();
                    checkGradShape(fn, inputs[i], owned);
                    if (inputs[i].isLeaf()) {
                        inputs[i].accumulateGrad(owned);
                        owned.close();
                    } else {
                        Tensor previous = grads.get(inputs[i]);
                        if (previous == null) {
                            grads.put(inputs[i], owned);
                        } else {
                            grads.put(inputs[i], Ops.add(previous, owned));
                            previous.close();
                            owned.close();
                        }
                    }
                }
                for (Tensor r : inputGrads) if (r != null && r != g) r.close();
                g.close();
            }
            for (Tensor left : grads.values()) left.close();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void checkGradShape(GradFn fn, Tensor input, Tensor grad) {
        if (!java.util.Arrays.equals(input.shape(), grad.shape())) {
            throw new IllegalStateException("backward of '" + fn.op() + "' produced a gradient of shape "
                    + Shapes.str(grad.shape()) + " for an input of shape " + Shapes.str(input.shape()));
        }
    }

    /** Non-leaf tensors reachable from root, each after every tensor that uses it (root first). */
    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> postOrder = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.put(root, true);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (int) frame[1];
            Tensor[] inputs = t.gradFn().inputs();
            boolean[] needs = t.gradFn().needsGrad();
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                if (needs[next] && in != null && !in.isLeaf() && !visited.containsKey(in)) {
                    if (in.gradFn().isReleased()) in.gradFn().apply(null); // throws: freed graph
                    visited.put(in, true);
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                postOrder.add(t);
            }
        }
        java.util.Collections.reverse(postOrder);
        return postOrder;
    }
}
