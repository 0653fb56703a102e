package org.jtuner.models.clip;

import java.util.ArrayList;
import java.util.List;

import org.jtuner.io.config.ClipVisionConfig;
import org.jtuner.nn.Module;
import org.jtuner.nn.ModuleList;

/** CLIPEncoder: {@code layers.0 ... layers.(L-1)}. */
public final class ClipEncoder extends Module {
    private final ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(List<ClipEncoderLayer> layers) {
        this.layers = registerChild("layers", new ModuleList<>(layers));
    }

    static ClipEncoder create(ClipVisionConfig c, ParamInit init) {
        List<ClipEncoderLayer> list = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) list.add(ClipEncoderLayer.create(c, init));
        return new ClipEncoder(list);
    }

    public ModuleList<ClipEncoderLayer> layers() {
        return layers;
    }
}
