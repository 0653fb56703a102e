package org.jtuner.models.clip;

import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.tensor.F;
import org.jtuner.tensor.Tensor;

/** CLIPMLP: fc2(act(fc1(x))), act = {@code hidden_act} (quick_gelu for OpenAI CLIP). */
public final class ClipMlp extends Module {
    private final String act;
    private final Linear fc1, fc2;

    public ClipMlp(String act, Linear fc1, Linear fc2) {
        this.act = act;
        this.fc1 = registerChild("fc1", fc1);
        this.fc2 = registerChild("fc2", fc2);
    }

    static ClipMlp create(int d, int inner, int layers, String act, ParamInit init) {
        double fc1Std = Math.pow(2.0 * d, -0.5), fc2Std = Math.pow(d, -0.5) * Math.pow(2.0 * layers, -0.5);
        return new ClipMlp(act,
                new Linear(init.normal(fc1Std, inner, d), init.zeros(inner)),
                new Linear(init.normal(fc2Std, d, inner), init.zeros(d)));
    }

    public Linear fc1() { return fc1; }
    public Linear fc2() { return fc2; }

    /** x [..., D] → [..., D]. */
    public Tensor forward(Tensor x) {
        return fc2.forward(F.activation(act, fc1.forward(x)));
    }
}
