package org.jtuner.models.mllama;

import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.tensor.F;
import org.jtuner.tensor.Tensor;

/** MllamaVisionMLP: fc2(act(fc1(x))), act = {@code hidden_act} (gelu). */
public final class MllamaVisionMlp extends Module {
    private final String act;
    private final Linear fc1, fc2;

    public MllamaVisionMlp(String act, Linear fc1, Linear fc2) {
        this.act = act;
        this.fc1 = registerChild("fc1", fc1);
        this.fc2 = registerChild("fc2", fc2);
    }

    static MllamaVisionMlp create(int d, int inner, String act, MllamaInit init) {
        return new MllamaVisionMlp(act, new Linear(init.normal(inner, d), init.zeros(inner)),
                new Linear(init.normal(d, inner), init.zeros(d)));
    }

    public Linear fc1() { return fc1; }
    public Linear fc2() { return fc2; }

    /** x [..., D] → [..., D]. */
    public Tensor forward(Tensor x) {
        return fc2.forward(F.activation(act, fc1.forward(x)));
    }
}
