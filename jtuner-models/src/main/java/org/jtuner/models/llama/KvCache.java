package org.jtuner.models.llama;

import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;

/**
 * One attention layer's past keys and values for incremental decoding: [B, Hkv, S, D] each, after RoPE. The
 * tensors live outside any scope (a decoding step's scope may close while the cache lives on) until
 * {@link #close}. Appending records no graph: the cache is for generation, not training.
 */
public final class KvCache implements AutoCloseable {
    private Tensor keys;
    private Tensor values;

    /** The number of positions cached. */
    public int length() {
        return keys == null ? 0 : keys.shape()[2];
    }

    /** Appends this step's k, v [B, Hkv, T, D] and returns all keys and values so far, [B, Hkv, S + T, D]. */
    public Tensor[] append(Tensor k, Tensor v) {
        Tensor[] updated = Scope.unscoped(() -> {
            try (AutoCloseable ng = Autograd.noGrad()) {
                return new Tensor[] {
                        keys == null ? k.detachedCopy() : Ops.concat(2, keys, k),
                        values == null ? v.detachedCopy() : Ops.concat(2, values, v)};
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        close();
        keys = updated[0];
        values = updated[1];
        return updated;
    }

    public Tensor keys() {
        return keys;
    }

    public Tensor values() {
        return values;
    }

    /** Frees the cached tensors; the cache is empty afterwards. */
    @Override
    public void close() {
        if (keys != null) keys.close();
        if (values != null) values.close();
        keys = null;
        values = null;
    }

    /** Closes every layer's cache. */
    public static void closeAll(KvCache[] caches) {
        if (caches != null) for (KvCache c : caches) c.close();
    }
}
