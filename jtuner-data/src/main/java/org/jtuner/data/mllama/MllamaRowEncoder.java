package org.jtuner.data.mllama;

import java.util.List;

import org.jtuner.data.LlavaMapFn;
import org.jtuner.data.Problem;
import org.jtuner.data.ProblemKind;
import org.jtuner.data.RawSample;
import org.jtuner.data.RowEncoder;
import org.jtuner.data.SampleEncoder;
import org.jtuner.text.cot.CotStages;
import org.jtuner.text.template.ChatTemplate;
import org.jtuner.text.template.Turn;

/**
 * {@link MllamaChatEncoder} as the dataset's row encoder: one {@code <|image|>} token per image, and with
 * {@code cot_stages} every answer checked for LLaVA-CoT's four stages first (as LLaVA's encoder checks them), a
 * malformed one becoming a {@code COT_*} problem that {@code on_bad_sample} governs.
 */
public final class MllamaRowEncoder implements RowEncoder {
    private final MllamaChatEncoder encoder;
    private final ChatTemplate template;
    private final int imageTokenId;
    private final boolean cotStages;

    public MllamaRowEncoder(MllamaChatEncoder encoder, ChatTemplate template, int imageTokenId, boolean cotStages) {
        this.encoder = encoder;
        this.template = template;
        this.imageTokenId = imageTokenId;
        this.cotStages = cotStages;
    }

    @Override
    public SampleEncoder.Result encode(RawSample row) {
        if (cotStages) {
            LlavaMapFn.Mapped mapped = LlavaMapFn.map(row);
            if (!mapped.ok()) return new SampleEncoder.Result(null, mapped.problem());
            List<Turn> turns = mapped.turns();
            for (int k = 0; k < turns.size(); k++) {
                CotStages.Parsed parsed = CotStages.parse(turns.get(k).output());
                if (!parsed.valid()) {
                    return new SampleEncoder.Result(null, new Problem(ProblemKind.of(parsed.defect()), row.source(),
                            "answer " + (k + 1) + ": " + parsed.message()));
                }
            }
        }
        MllamaChatEncoder.Result r = encoder.encode(row);
        return new SampleEncoder.Result(r.sample(), r.problem());
    }

    /** The chat template the rows are rendered with. */
    public ChatTemplate template() {
        return template;
    }

    @Override
    public int imageTokenIndex() {
        return imageTokenId;
    }

    @Override
    public int imageSeqLength() {
        return 1;
    }
}
