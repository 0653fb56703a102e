package org.jtuner.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Puts LoRA adapters on the linear layers of a module tree, and merges them back in. */
public final class Lora {
    private Lora() {}

    /**
     * Freezes every weight under {@code root} and adds an adapter to each matching linear layer; only the adapters
     * train. Returns the adapted paths. No match is an error naming the spec, since a silent no-op would train nothing.
     */
    public static List<String> apply(Module root, LoraSpec spec, Random random) {
        root.setTrainable(false);
        List<String> adapted = new ArrayList<>();
        for (Map.Entry<String, Module> e : root.namedModules().entrySet()) {
            if (e.getValue() instanceof Linear linear && !isAdapterPart(e.getKey()) && spec.matches(e.getKey())) {
                linear.addLora(spec.r(), spec.alpha(), spec.dropout(), random);
                adapted.add(e.getKey());
            }
        }
        if (adapted.isEmpty()) {
            throw new IllegalArgumentException("LoRA: no linear layer matches " + spec + " (layers are named like "
                    + root.namedModules().keySet().stream().filter(k -> !k.isEmpty()).limit(5).toList() + ")");
        }
        return adapted;
    }

    private static boolean isAdapterPart(String path) {
        return path.endsWith(".lora_A") || path.endsWith(".lora_B") || path.equals("lora_A") || path.equals("lora_B");
    }

    /** Merges every adapter under {@code root} into its base weight. Returns how many were merged. */
    public static int merge(Module root) {
        int n = 0;
        for (Module m : root.namedModules().values()) {
            if (m instanceof Linear linear && linear.hasLora()) {
                linear.mergeLora();
                n++;
            }
        }
        return n;
    }
}
