package org.jtuner.vision;

/** The image formats read here, told apart by their first bytes (never by the file name). */
enum ImageFormat {
    PNG("png", "PNG"), JPEG("jpeg", "JPEG"), GIF("gif", "GIF"), BMP("bmp", "BMP"), WEBP("webp", "WebP");

    /** ImageIO's format name. */
    final String imageIoName;
    private final String displayName;

    ImageFormat(String imageIoName, String displayName) {
        this.imageIoName = imageIoName;
        this.displayName = displayName;
    }

    @Override
    public String toString() {
        return displayName;
    }

    /** The format whose signature {@code data} starts with, or null. */
    static ImageFormat sniff(byte[] data) {
        if (startsWith(data, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) return PNG;
        if (startsWith(data, 0, 0xFF, 0xD8, 0xFF)) return JPEG;
        if (startsWith(data, 0, 'G', 'I', 'F', '8')) return GIF;
        if (startsWith(data, 0, 'B', 'M')) return BMP;
        if (startsWith(data, 0, 'R', 'I', 'F', 'F') && startsWith(data, 8, 'W', 'E', 'B', 'P')) return WEBP;
        return null;
    }

    /**
     * Whether the data reaches the format's end mark (PNG's IEND chunk, GIF's trailer, JPEG's EOI, WebP's RIFF
     * length). Used to tell a cut-off file from a damaged one; decoders report both as plain I/O errors.
     */
    boolean looksComplete(byte[] data) {
        return switch (this) {
            case PNG -> lastIndexOf(data, new byte[] {'I', 'E', 'N', 'D'}) >= 8;
            case GIF -> data.length > 0 && data[data.length - 1] == 0x3B;
            case JPEG -> lastIndexOf(data, new byte[] {(byte) 0xFF, (byte) 0xD9}) >= 2;
            case WEBP -> data.length >= 12 && 8L + littleEndianU32(data, 4) <= data.length;
            case BMP -> true;
        };
    }

    private static long littleEndianU32(byte[] d, int p) {
        return (d[p] & 0xffL) | (d[p + 1] & 0xffL) << 8 | (d[p + 2] & 0xffL) << 16 | (d[p + 3] & 0xffL) << 24;
    }

    private static int lastIndexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = data.length - pattern.length; i >= 0; i--) {
            for (int j = 0; j < pattern.length; j++) if (data[i + j] != pattern[j]) continue outer;
            return i;
        }
        return -1;
    }

    /** A short description of what the first bytes look like, for an error message. */
    static String describe(byte[] data) {
        if (startsWith(data, 0, 'I', 'I', 0x2A, 0x00) || startsWith(data, 0, 'M', 'M', 0x00, 0x2A)) return "a TIFF file";
        if (data.length >= 12 && startsWith(data, 4, 'f', 't', 'y', 'p')) return "an ISO media file (HEIC/AVIF?)";
        if (startsWith(data, 0, '<')) return "text or markup, not an image";
        StringBuilder hex = new StringBuilder("unknown data starting with");
        for (int i = 0; i < Math.min(8, data.length); i++) hex.append(String.format(" %02x", data[i] & 0xff));
        return hex.toString();
    }

    private static boolean startsWith(byte[] data, int offset, int... signature) {
        if (data.length < offset + signature.length) return false;
        for (int i = 0; i < signature.length; i++) if ((data[offset + i] & 0xff) != signature[i]) return false;
        return true;
    }
}
