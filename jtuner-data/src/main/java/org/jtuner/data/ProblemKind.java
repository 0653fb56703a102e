package org.jtuner.data;

/** The kinds of trouble a LLaVA data file can hold, as {@code check-dataset} counts them. */
public enum ProblemKind {
    /** A line of a .jsonl file (or a .json file from some point on) is not valid JSON. */
    MALFORMED_JSON("malformed JSON", true),
    /** Valid JSON that is not a LLaVA row: not an object, no {@code conversations} list, a turn without a string value, a bad {@code image}. */
    BAD_ROW("not a LLaVA row", true),
    /** A turn whose {@code from} is neither {@code human} nor {@code gpt}. */
    UNKNOWN_FROM("unknown 'from'", true),
    /** The number of {@code <image>} placeholders in the human turns differs from the number of images (or one is in an answer). */
    IMAGE_COUNT_MISMATCH("<image> count does not match the images", true),
    /** An image file that does not exist. */
    MISSING_IMAGE("missing image", true),
    /** An image file that exists but cannot be decoded. */
    UNREADABLE_IMAGE("unreadable image", true),
    /** The text encodes to the id reserved for image tokens, so the model would see an image that is not there. */
    IMAGE_TOKEN_IN_TEXT("text token equals image_token_index", true),
    /** Longer than max_length: truncated as XTuner does (kept). */
    TRUNCATED("over-long (truncated)", false),
    /** Longer than max_length, and truncation would cut through an image's tokens: dropped. */
    TRUNCATION_CUTS_IMAGE("over-long (cut through an image, dropped)", false),
    /** No answer token is left to train on (no gpt turn, or truncation removed them all): dropped, as XTuner does. */
    NO_TRAINED_TOKEN("no trained token (dropped)", false),
    /** With {@code data.cot_stages}: an answer lacks one of LLaVA-CoT's four stages. */
    COT_MISSING_STAGE("CoT: missing stage", true),
    /** With {@code data.cot_stages}: the stages are not SUMMARY, CAPTION, REASONING, CONCLUSION in order (or one repeats). */
    COT_OUT_OF_ORDER("CoT: stages out of order", true),
    /** With {@code data.cot_stages}: a stage is opened and never closed. */
    COT_UNCLOSED("CoT: unclosed stage", true),
    /** With {@code data.cot_stages}: a stage holds only whitespace. */
    COT_EMPTY("CoT: empty stage", true),
    /** With {@code data.cot_stages}: text before, between or after the stages. */
    COT_TEXT_OUTSIDE("CoT: text outside the stages", true);

    /** The problem kind of a CoT structure defect. */
    public static ProblemKind of(org.jtuner.text.cot.CotStages.Defect d) {
        return switch (d) {
            case MISSING -> COT_MISSING_STAGE;
            case OUT_OF_ORDER -> COT_OUT_OF_ORDER;
            case UNCLOSED -> COT_UNCLOSED;
            case EMPTY -> COT_EMPTY;
            case TEXT_OUTSIDE -> COT_TEXT_OUTSIDE;
        };
    }

    private final String description;
    private final boolean bad;

    ProblemKind(String description, boolean bad) {
        this.description = description;
        this.bad = bad;
    }

    public String description() {
        return description;
    }

    /**
     * True for bad input, which {@code on_bad_sample} governs (skip or fail); false for what happens to good input
     * by XTuner's rules (truncation, dropping samples with nothing to train on), which is counted and logged only.
     */
    public boolean isBadInput() {
        return bad;
    }
}
