package org.jtuner.tensor;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jtuner.tensor.cpu.CpuBackend;

/** The registry of backends by device. A CUDA backend registers itself here when its libraries are found. */
public final class Backends {
    private static final Map<Device, Backend> REGISTRY = new ConcurrentHashMap<>();

    static {
        register(CpuBackend.INSTANCE);
    }

    private Backends() {}

    public static void register(Backend backend) {
        REGISTRY.put(backend.device(), backend);
    }

    public static Backend of(Device device) {
        Backend b = REGISTRY.get(device);
        if (b == null) throw new IllegalArgumentException("no backend for device " + device + "; available: " + available());
        return b;
    }

    public static List<Backend> available() {
        return REGISTRY.values().stream().sorted((a, b) -> a.device().toString().compareTo(b.device().toString())).toList();
    }
}
