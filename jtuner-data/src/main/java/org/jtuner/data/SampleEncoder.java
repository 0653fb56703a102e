package org.jtuner.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.jtuner.text.cot.CotStages;
import org.jtuner.text.template.PromptTemplate;
import org.jtuner.text.template.PromptTemplates;
import org.jtuner.text.template.Segment;
import org.jtuner.text.template.Turn;
import org.jtuner.text.tokenizer.Tokenizer;

/**
 * XTuner's LLaVA encoding ({@code llava_map_fn}, {@code template_map_fn}, {@code encode_fn}), with images expanded
 * to {@code image_seq_length} image tokens (see {@link EncodedSample}). The template lays each round out in
 * segments ({@link PromptTemplate#render}); per round i (1-based):
 * <ol>
 * <li>BOS (no loss) when the previous round ended with EOS, or at the start;</li>
 * <li>the input {@code INSTRUCTION.format(input, round)}: split at each {@code <image>}, every piece tokenized on its
 * own without special tokens, the image tokens between them; no loss;</li>
 * <li>the output plus {@code SUFFIX}, tokenized on its own; loss;</li>
 * <li>EOS with loss, unless {@code SUFFIX_AS_EOS} (then the next round gets no BOS);</li>
 * <li>{@code SEP}, tokenized on its own; no loss.</li>
 * </ol>
 * Then {@code input_ids[:max_length]}, {@code labels[:max_length]} as XTuner truncates, counting image tokens;
 * except that a sample whose cut would fall inside an image's tokens is dropped, and images whose tokens are cut
 * off entirely are dropped from the sample. A sample left with no trained token is dropped (XTuner filters these).
 * BOS and EOS follow XTuner's {@code get_bos_eos_token_ids}: the tokenizer's {@code bos_token} and
 * {@code eos_token}, and no BOS for Qwen tokenizers. Thread-safe.
 */
public final class SampleEncoder implements RowEncoder {
    private static final Set<String> NO_BOS_CLASSES = Set.of("QWenTokenizer", "Qwen2Tokenizer", "Qwen2TokenizerFast");

    private final Tokenizer tokenizer;
    private final PromptTemplate template;
    private final String templateName;
    private final int[] bos;
    private final int[] eos;
    private final int imageTokenIndex;
    private final int imageSeqLength;
    private final int maxLength;
    private final Path imageFolder;
    private boolean cotStages;

    /**
     * An encoder with a built-in template, by name ({@link PromptTemplates}).
     *
     * @throws IllegalArgumentException for an unknown template name (the message lists the known ones)
     */
    public SampleEncoder(Tokenizer tokenizer, String templateName, int imageTokenIndex, int imageSeqLength, int maxLength, Path imageFolder) {
        this(tokenizer, templateName, PromptTemplates.get(templateName), imageTokenIndex, imageSeqLength, maxLength, imageFolder);
    }

    /**
     * @param templateName the template's name, for messages
     * @param imageFolder where the rows' image paths are relative to; null: the folder of the data file
     * @throws IllegalArgumentException when the template needs an EOS the tokenizer does not have
     */
    public SampleEncoder(Tokenizer tokenizer, String templateName, PromptTemplate template, int imageTokenIndex, int imageSeqLength,
                         int maxLength, Path imageFolder) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.templateName = Objects.requireNonNull(templateName, "templateName");
        this.template = Objects.requireNonNull(template, "template");
        if (imageSeqLength < 1) throw new IllegalArgumentException("image_seq_length must be positive, got " + imageSeqLength);
        if (maxLength < 1) throw new IllegalArgumentException("max_length must be positive, got " + maxLength);
        this.bos = bosIds(tokenizer);
        this.eos = eosIds(tokenizer);
        if (eos.length == 0 && !template.suffixAsEos()) {
            throw new IllegalArgumentException("the tokenizer has no eos_token (tokenizer_config.json), which template '"
                    + templateName + "' needs after every answer");
        }
        this.imageTokenIndex = imageTokenIndex;
        this.imageSeqLength = imageSeqLength;
        this.maxLength = maxLength;
        this.imageFolder = imageFolder;
    }

    /**
     * Makes every answer pass LLaVA-CoT's stage check ({@link CotStages}); a row with a malformed answer becomes a
     * problem of a {@code COT_*} kind, which {@code on_bad_sample} governs. Set before the dataset is read.
     */
    public SampleEncoder requireCotStages(boolean on) {
        this.cotStages = on;
        return this;
    }

    /** XTuner's BOS ids: the tokenizer's {@code bos_token}, none for Qwen tokenizers or when there is none. */
    public static int[] bosIds(Tokenizer tokenizer) {
        String cls = tokenizer.config().tokenizerClass();
        if (cls != null && NO_BOS_CLASSES.contains(cls)) return new int[0];
        Integer id = tokenizer.bosId();
        return id == null ? new int[0] : new int[] {id};
    }

    /** XTuner's EOS ids: the tokenizer's {@code eos_token}. */
    public static int[] eosIds(Tokenizer tokenizer) {
        Integer id = tokenizer.eosId();
        return id == null ? new int[0] : new int[] {id};
    }

    /** The result of encoding one row: a sample to train on, or the reason it is left out. */
    public record Result(EncodedSample sample, Problem problem) {
        /** True when the sample is kept ({@link #problem} may then note a truncation). */
        public boolean kept() {
            return sample != null;
        }
    }

    /** Maps, formats and encodes one row. */
    @Override
    public Result encode(RawSample row) {
        Packed r = encodePacked(row);
        return new Result(r.sample == null ? null : r.sample.unpack(imageTokenIndex, imageSeqLength), r.problem);
    }

    @Override
    public int imageTokenIndex() {
        return imageTokenIndex;
    }

    @Override
    public int imageSeqLength() {
        return imageSeqLength;
    }

    /** {@link #encode} in the dataset's compact form. */
    record Packed(PackedSample sample, Problem problem) {}

    Packed encodePacked(RawSample row) {
        LlavaMapFn.Mapped mapped = LlavaMapFn.map(row);
        if (!mapped.ok()) return new Packed(null, mapped.problem());
        if (cotStages) {
            List<Turn> turns = mapped.turns();
            for (int k = 0; k < turns.size(); k++) {
                CotStages.Parsed parsed = CotStages.parse(turns.get(k).output());
                if (!parsed.valid()) {
                    return new Packed(null, new Problem(ProblemKind.of(parsed.defect()), row.source(),
                            "answer " + (k + 1) + ": " + parsed.message()));
                }
            }
        }
        return encodePacked(row.source(), row.images(), mapped.turns());
    }

    Packed encodePacked(SourceRef source, List<String> images, List<Turn> rounds) {
        if (rounds.isEmpty()) {
            return new Packed(null, new Problem(ProblemKind.NO_TRAINED_TOKEN, source, "no gpt answer after a human turn"));
        }
        List<Segment> segments;
        try {
            segments = template.render(rounds);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("template '" + templateName + "': " + e.getMessage(), e);
        }
        IntBuffer p = new IntBuffer(256);
        int length = 0;
        int imageCount = 0;
        for (Segment s : segments) {
            switch (s.kind()) {
                case BOS -> {
                    for (int b : bos) p.add(b);
                    length += bos.length;
                }
                case EOS -> {
                    for (int e : eos) p.add(s.trained() ? PackedSample.trained(e) : e);
                    length += eos.length;
                }
                case INPUT -> {
                    List<String> pieces = splitAtImages(s.text());
                    for (int k = 0; k < pieces.size(); k++) {
                        int[] ids = tokenizer.encode(pieces.get(k), false);
                        Problem clash = checkNoImageToken(ids, source);
                        if (clash != null) return new Packed(null, clash);
                        for (int id : ids) p.add(id);
                        length += ids.length;
                        if (k < pieces.size() - 1) {
                            p.add(PackedSample.IMAGE);
                            length += imageSeqLength;
                            imageCount++;
                        }
                    }
                }
                case OUTPUT, SEP -> {
                    int[] ids = tokenizer.encode(s.text(), false);
                    Problem clash = checkNoImageToken(ids, source);
                    if (clash != null) return new Packed(null, clash);
                    for (int id : ids) p.add(s.trained() ? PackedSample.trained(id) : id);
                    length += ids.length;
                }
            }
        }
        if (imageCount > images.size()) {
            // The map step checks the counts; a template that itself holds "<image>" would get here.
            return new Packed(null, new Problem(ProblemKind.IMAGE_COUNT_MISMATCH, source, imageCount + " <image> placeholders after templating but "
                    + images.size() + " images"));
        }
        int keep = p.size();
        boolean truncated = false;
        Problem note = null;
        if (length > maxLength) {
            truncated = true;
            int pos = 0;
            imageCount = 0;
            for (keep = 0; keep < p.size(); keep++) {
                int v = p.get(keep);
                int size = v == PackedSample.IMAGE ? imageSeqLength : 1;
                if (pos + size > maxLength) {
                    if (v == PackedSample.IMAGE && pos < maxLength) {
                        return new Packed(null, new Problem(ProblemKind.TRUNCATION_CUTS_IMAGE, source, length + " tokens; max_length "
                                + maxLength + " falls inside image " + (imageCount + 1) + "'s tokens [" + pos + ", " + (pos + size) + ")"));
                    }
                    break;
                }
                pos += size;
                if (v == PackedSample.IMAGE) imageCount++;
            }
            note = new Problem(ProblemKind.TRUNCATED, source, length + " tokens cut to max_length " + maxLength);
            length = pos;
        }
        boolean anyTrained = false;
        for (int j = 0; j < keep && !anyTrained; j++) {
            int v = p.get(j);
            anyTrained = v < 0 && v != PackedSample.IMAGE;
        }
        if (!anyTrained) {
            return new Packed(null, new Problem(ProblemKind.NO_TRAINED_TOKEN, source, truncated
                    ? "truncation to max_length " + maxLength + " leaves no answer token" : "no answer token to train on"));
        }
        List<Path> paths = new ArrayList<>(imageCount);
        for (int k = 0; k < imageCount; k++) paths.add(resolveImage(source, images.get(k)));
        return new Packed(new PackedSample(source, p.toArray(keep), List.copyOf(paths), length, truncated), note);
    }

    /** Where a row's image path points: under the image folder, or beside the data file when there is none. */
    public Path resolveImage(SourceRef source, String image) {
        Path base = imageFolder != null ? imageFolder : source.file().toAbsolutePath().getParent();
        return base == null ? Path.of(image) : base.resolve(image);
    }

    private Problem checkNoImageToken(int[] ids, SourceRef source) {
        if (imageTokenIndex < 0) return null;
        for (int id : ids) {
            if (id == imageTokenIndex) {
                return new Problem(ProblemKind.IMAGE_TOKEN_IN_TEXT, source, "the text holds token " + id + " ('"
                        + tokenizer.idToToken(id) + "'), the id reserved for image tokens (image_token_index)");
            }
        }
        return null;
    }

    /** Python's {@code text.split("<image>")}: n placeholders give n + 1 pieces, empty ones included. */
    static List<String> splitAtImages(String text) {
        List<String> pieces = new ArrayList<>();
        int from = 0;
        for (int i = text.indexOf(LlavaMapFn.IMAGE_PLACEHOLDER); i >= 0; i = text.indexOf(LlavaMapFn.IMAGE_PLACEHOLDER, from)) {
            pieces.add(text.substring(from, i));
            from = i + LlavaMapFn.IMAGE_PLACEHOLDER.length();
        }
        pieces.add(text.substring(from));
        return pieces;
    }
}
