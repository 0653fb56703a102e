package org.jtuner.generate;

/** Why a row stopped, with OpenAI's names: an end token or a stop string ("stop"), or max_new_tokens ("length"). */
public enum FinishReason {
    STOP("stop"), LENGTH("length");

    private final String wireName;

    FinishReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
