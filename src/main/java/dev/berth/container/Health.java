package dev.berth.container;

import java.util.ArrayList;
import java.util.List;

/**
 * A container's health as inspect's State.Health shows it: starting, healthy or unhealthy, the number of
 * failed probes in a row, and the last five probes.
 */
public record Health(String status, int failingStreak, List<Probe> log) {

    /** How many probes the log keeps, as dockerd. */
    static final int LOG_SIZE = 5;

    static final Health STARTING = new Health("starting", 0, List.of());

    /** One probe: times as RFC 3339, its exit code (-1 when it timed out) and its output. */
    public record Probe(String start, String end, int exitCode, String output) {}

    /**
     * The health after {@code probe}: a success makes it healthy; a failure counts towards {@code retries}
     * unless it happens in the start period while still starting (dockerd's rule).
     */
    public Health after(Probe probe, int retries, boolean inStartPeriod) {
        List<Probe> next = new ArrayList<>(log);
        next.add(probe);
        while (next.size() > LOG_SIZE) {
            next.removeFirst();
        }
        if (probe.exitCode() == 0) {
            return new Health("healthy", 0, List.copyOf(next));
        }
        if (inStartPeriod && status.equals("starting")) {
            return new Health(status, failingStreak, List.copyOf(next));
        }
        int streak = failingStreak + 1;
        return new Health(streak >= retries ? "unhealthy" : status, streak, List.copyOf(next));
    }
}
