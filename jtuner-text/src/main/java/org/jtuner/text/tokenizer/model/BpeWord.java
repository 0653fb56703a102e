package org.jtuner.text.tokenizer.model;

import java.util.Arrays;

/**
 * Applies BPE merges to one word's symbols exactly as the reference's {@code Word::merge_all}: a min-heap of
 * candidate merges ordered by (rank, position); a popped candidate is dropped when its left symbol has been merged
 * away or the pair now at its place no longer produces the same token. Symbols form a linked list, so each merge
 * costs O(log n) and no regex or string work happens per merge.
 */
final class BpeWord {
    private BpeWord() {}

    /** Merges {@code symbols[0..count)} in place and returns the surviving ids in order. */
    static int[] mergeAll(int[] symbols, int count, MergeTable merges) {
        if (count < 2) return Arrays.copyOf(symbols, count);
        int[] c = symbols;
        int[] prev = new int[count];
        int[] next = new int[count];
        for (int i = 0; i < count; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }
        Heap heap = new Heap(count);
        for (int i = 0; i + 1 < count; i++) {
            long m = merges.get(c[i], c[i + 1]);
            if (m != MergeTable.NONE) heap.push(MergeTable.rank(m), i);
        }
        int alive = count;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            if (c[pos] < 0) continue; // merged into its left neighbour meanwhile
            int right = next[pos];
            if (right < 0) continue;
            int newId = merges.newIdOfRank(rank);
            long current = merges.get(c[pos], c[right]);
            if (current == MergeTable.NONE || MergeTable.newId(current) != newId) continue; // stale entry
            c[pos] = newId;
            c[right] = -1;
            alive--;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) prev[after] = pos;
            int before = prev[pos];
            if (before >= 0) {
                long m = merges.get(c[before], newId);
                if (m != MergeTable.NONE) heap.push(MergeTable.rank(m), before);
            }
            if (after >= 0) {
                long m = merges.get(newId, c[after]);
                if (m != MergeTable.NONE) heap.push(MergeTable.rank(m), pos);
            }
        }
        int[] out = new int[alive];
        for (int i = 0, o = 0; i < count; i++) if (c[i] >= 0) out[o++] = c[i];
        return out;
    }

    /** A binary min-heap of {@code rank << 32 | position}: lower rank first, then the leftmost position. */
    private static final class Heap {
        private long[] data;
        private int size;

        Heap(int capacity) {
            data = new long[Math.max(capacity, 4)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(int rank, int pos) {
            if (size == data.length) data = Arrays.copyOf(data, size * 2);
            long v = ((long) rank << 32) | pos;
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (data[parent] <= v) break;
                data[i] = data[parent];
                i = parent;
            }
            data[i] = v;
        }

        long pop() {
            long top = data[0];
            long last = data[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < size && data[child + 1] < data[child]) child++;
                if (last <= data[child]) break;
                data[i] = data[child];
                i = child;
            }
            data[i] = last;
            return top;
        }
    }
}
