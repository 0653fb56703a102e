package org.jtuner.text.tokenizer.model;

import java.util.Arrays;

/**
 * BPE merge ranks: the pair of token ids (left, right) maps to its rank (its line in the merges list, lower merges
 * first) and the id of the merged token. An open-addressing table over primitive longs, because this lookup is the
 * inner loop of BPE.
 */
public final class MergeTable {
    public static final long NONE = -1L;
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final long[] values;
    private final int mask;
    private final int[] newIdOfRank;
    private int size;

    public MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        Arrays.fill(keys, EMPTY);
        mask = capacity - 1;
        newIdOfRank = new int[Math.max(expected, 1)];
        Arrays.fill(newIdOfRank, -1);
    }

    /** Adds a merge; a pair listed twice keeps its last rank, as in the reference. */
    public void put(int left, int right, int rank, int newId) {
        long key = key(left, right);
        int slot = slot(key);
        while (keys[slot] != EMPTY && keys[slot] != key) slot = (slot + 1) & mask;
        if (keys[slot] == EMPTY) size++;
        keys[slot] = key;
        values[slot] = ((long) rank << 32) | (newId & 0xFFFFFFFFL);
        newIdOfRank[rank] = newId;
    }

    /** {@code rank << 32 | newId} for the pair, or {@link #NONE}. */
    public long get(int left, int right) {
        long key = key(left, right);
        int slot = slot(key);
        while (true) {
            long k = keys[slot];
            if (k == key) return values[slot];
            if (k == EMPTY) return NONE;
            slot = (slot + 1) & mask;
        }
    }

    /** The merged token id that the merge of this rank produces. */
    public int newIdOfRank(int rank) {
        return newIdOfRank[rank];
    }

    public int size() {
        return size;
    }

    public static int rank(long value) {
        return (int) (value >>> 32);
    }

    public static int newId(long value) {
        return (int) value;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }
}
