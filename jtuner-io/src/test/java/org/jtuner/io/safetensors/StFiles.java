package org.jtuner.io.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds raw safetensors bytes by hand, for tests that need malformed files. */
final class StFiles {
    private StFiles() {}

    /** An 8-byte little-endian length, the header text as given, then {@code dataBytes} bytes (0, 1, 2, ...). */
    static byte[] bytes(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return bytes(h.length, h, dataBytes);
    }

    static byte[] bytes(long declaredHeaderLength, byte[] header, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredHeaderLength).put(header);
        for (int i = 0; i < dataBytes; i++) b.put((byte) i);
        return b.array();
    }

    static Path write(Path dir, String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }
}
