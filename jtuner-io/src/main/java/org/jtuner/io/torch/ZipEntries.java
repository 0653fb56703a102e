package org.jtuner.io.torch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The entries of a zip archive as torch.save writes it (stored, usually uncompressed, zip64 when large), read from
 * the central directory of a mapped file. Only where each entry's data lies is needed: stored entries are then
 * slices of the mapping; deflated ones (torch never writes them, other tools may) are inflated on demand.
 */
final class ZipEntries {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** An entry: where its (compressed) data starts in the file, its sizes and compression method. */
    record Entry(String name, long dataOffset, long compressedSize, long size, int method) {}

    private ZipEntries() {}

    /** Thrown when the archive has no readable central directory (truncated or not a zip). */
    static final class NoCentralDirectory extends Exception {
        NoCentralDirectory(String message) {
            super(message);
        }
    }

    static Map<String, Entry> read(Path file, MemorySegment zip) throws TorchCheckpointException, NoCentralDirectory {
        long size = zip.byteSize();
        long eocd = -1;
        for (long p = size - 22; p >= Math.max(0, size - 22 - 65535); p--) {
            if (zip.get(I32, p) == 0x06054b50) {
                eocd = p;
                break;
            }
        }
        if (eocd < 0) throw new NoCentralDirectory("no zip end-of-central-directory record");
        long count = u16(zip, eocd + 10);
        long cdSize = u32(zip, eocd + 12);
        long cdOffset = u32(zip, eocd + 16);
        if (count == 0xFFFF || cdSize == 0xFFFFFFFFL || cdOffset == 0xFFFFFFFFL) {
            long locator = eocd - 20;
            if (locator < 0 || zip.get(I32, locator) != 0x07064b50) throw new NoCentralDirectory("no zip64 locator");
            long record = zip.get(I64, locator + 8);
            if (record < 0 || record + 56 > size || zip.get(I32, record) != 0x06064b50) {
                throw new NoCentralDirectory("the zip64 end record lies outside the file");
            }
            count = zip.get(I64, record + 32);
            cdSize = zip.get(I64, record + 40);
            cdOffset = zip.get(I64, record + 48);
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > size) {
            throw new NoCentralDirectory("the central directory lies outside the file");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        long p = cdOffset;
        for (long i = 0; i < count; i++) {
            if (p + 46 > cdOffset + cdSize || zip.get(I32, p) != 0x02014b50) {
                throw new TorchCheckpointException(file, "zip central directory entry " + i + " is malformed");
            }
            int method = u16(zip, p + 10);
            long csize = u32(zip, p + 20);
            long usize = u32(zip, p + 24);
            int nameLen = u16(zip, p + 28), extraLen = u16(zip, p + 30), commentLen = u16(zip, p + 32);
            long local = u32(zip, p + 42);
            if (p + 46 + nameLen + extraLen > size) throw new TorchCheckpointException(file, "zip entry " + i + " is cut off");
            String name = new String(zip.asSlice(p + 46, nameLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            // zip64 extra field: the 0xFFFFFFFF fields, in order usize, csize, offset
            long e = p + 46 + nameLen, end = e + extraLen;
            while (e + 4 <= end) {
                int id = u16(zip, e), len = u16(zip, e + 2);
                if (id == 1) {
                    long f = e + 4;
                    if (usize == 0xFFFFFFFFL && f + 8 <= e + 4 + len) { usize = zip.get(I64, f); f += 8; }
                    if (csize == 0xFFFFFFFFL && f + 8 <= e + 4 + len) { csize = zip.get(I64, f); f += 8; }
                    if (local == 0xFFFFFFFFL && f + 8 <= e + 4 + len) { local = zip.get(I64, f); }
                }
                e += 4 + len;
            }
            if (local < 0 || local + 30 > size || zip.get(I32, local) != 0x04034b50) {
                throw new TorchCheckpointException(file, "zip entry '" + name + "': its local header at byte " + local
                        + " is missing (is the file truncated?)");
            }
            long data = local + 30 + u16(zip, local + 26) + u16(zip, local + 28);
            if (csize < 0 || data + csize > size) {
                throw new TorchCheckpointException(file, "zip entry '" + name + "' claims bytes [" + data + ", "
                        + (data + csize) + ") but the file has " + size + " bytes (is it truncated?)");
            }
            entries.put(name, new Entry(name, data, csize, usize, method));
            p += 46 + nameLen + extraLen + commentLen;
        }
        return entries;
    }

    /**
     * For a truncated archive (no central directory): where the entry named {@code name} starts, found by its local
     * header, or -1. Local headers that torch writes carry no sizes (a data descriptor follows the data), so only the
     * start is known.
     */
    static long findLocalData(MemorySegment zip, String name) {
        byte[] want = name.getBytes(StandardCharsets.UTF_8);
        long size = zip.byteSize();
        outer:
        for (long p = 0; p + 30 + want.length <= size; p++) {
            if (zip.get(I32, p) != 0x04034b50 || u16(zip, p + 26) != want.length) continue;
            for (int i = 0; i < want.length; i++) {
                if (zip.get(ValueLayout.JAVA_BYTE, p + 30 + i) != want[i]) continue outer;
            }
            return p + 30 + want.length + u16(zip, p + 28);
        }
        return -1;
    }

    private static int u16(MemorySegment s, long at) {
        return Short.toUnsignedInt(s.get(I16, at));
    }

    private static long u32(MemorySegment s, long at) {
        return Integer.toUnsignedLong(s.get(I32, at));
    }
}
