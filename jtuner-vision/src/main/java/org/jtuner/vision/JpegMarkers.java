package org.jtuner.vision;

/**
 * The few facts of a JPEG header that decide how libjpeg interprets its components: the frame's component ids and
 * precision, and whether JFIF (APP0) and Adobe (APP14) markers come before the first scan.
 */
record JpegMarkers(int precision, int[] componentIds, boolean jfif, int adobeTransform, boolean arithmetic) {

    /** Reads the markers up to the first scan; throws IllegalArgumentException when the header is cut short or damaged. */
    static JpegMarkers parse(byte[] data) {
        int precision = -1;
        int[] ids = null;
        boolean jfif = false;
        int adobe = -1;
        boolean arithmetic = false;
        int pos = 2;
        while (true) {
            // Markers may be preceded by fill bytes 0xFF.
            if (pos >= data.length) throw new IllegalArgumentException("header ends before the image data");
            if ((data[pos] & 0xff) != 0xFF) throw new IllegalArgumentException("expected a marker at byte " + pos);
            while (pos < data.length && (data[pos] & 0xff) == 0xFF) pos++;
            if (pos >= data.length) throw new IllegalArgumentException("header ends before the image data");
            int marker = data[pos++] & 0xff;
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) continue;
            if (marker == 0xD9) throw new IllegalArgumentException("no image data before the end marker");
            if (pos + 2 > data.length) throw new IllegalArgumentException("header ends inside a marker");
            int length = u16(data, pos);
            int payload = pos + 2;
            int end = pos + length;
            if (length < 2 || end > data.length) throw new IllegalArgumentException("header ends inside a marker");
            if (marker == 0xDA) {
                if (ids == null) throw new IllegalArgumentException("scan before frame header");
                return new JpegMarkers(precision, ids, jfif, adobe, arithmetic);
            }
            if (marker == 0xE0 && length >= 2 + 5 && matches(data, payload, "JFIF\0")) jfif = true;
            if (marker == 0xEE && length >= 2 + 12 && matches(data, payload, "Adobe")) adobe = data[payload + 11] & 0xff;
            boolean frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (frame && ids == null) {
                if (length < 2 + 6) throw new IllegalArgumentException("frame header too short");
                precision = data[payload] & 0xff;
                int n = data[payload + 5] & 0xff;
                if (length < 2 + 6 + 3 * n) throw new IllegalArgumentException("frame header too short");
                ids = new int[n];
                for (int i = 0; i < n; i++) ids[i] = data[payload + 6 + 3 * i] & 0xff;
                arithmetic = marker >= 0xC9;
            }
            pos = end;
        }
    }

    private static int u16(byte[] d, int p) {
        return ((d[p] & 0xff) << 8) | (d[p + 1] & 0xff);
    }

    private static boolean matches(byte[] d, int p, String ascii) {
        if (p + ascii.length() > d.length) return false;
        for (int i = 0; i < ascii.length(); i++) if ((d[p + i] & 0xff) != ascii.charAt(i)) return false;
        return true;
    }
}
