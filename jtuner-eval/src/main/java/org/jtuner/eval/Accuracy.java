package org.jtuner.eval;

/** Right out of total; the accuracy is 0 for an empty group. */
public record Accuracy(int right, int total) {
    public double value() {
        return total == 0 ? 0 : (double) right / total;
    }

    Accuracy plus(boolean hit) {
        return new Accuracy(right + (hit ? 1 : 0), total + 1);
    }
}
