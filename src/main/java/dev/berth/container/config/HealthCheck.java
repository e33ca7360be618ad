package dev.berth.container.config;

import dev.berth.errors.EngineException;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A container's {@code Healthcheck}: the probe command (CMD runs as given, CMD-SHELL through
 * {@code /bin/sh -c}, NONE turns an image's check off) and its timers, with dockerd's defaults (every
 * 30 s, 30 s timeout, 3 retries). Durations arrive in nanoseconds.
 */
public record HealthCheck(List<String> command, Duration interval, Duration timeout, Duration startPeriod,
                   Duration startInterval, int retries) {

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(HealthCheck.class.getName());

    private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration DEFAULT_START_INTERVAL = Duration.ofSeconds(5);
    private static final int DEFAULT_RETRIES = 3;

    /** The check a container's Config asks for, if any; a malformed one is a 400 naming the field. */
    public static Optional<HealthCheck> of(ContainerConfig config) {
        ContainerConfig.HealthConfig hc = config.healthcheck();
        if (hc == null) {
            return Optional.empty();
        }
        List<String> t = hc.test();
        if (t.isEmpty() || t.getFirst().equals("NONE")) {
            return Optional.empty();
        }
        List<String> command = switch (t.getFirst()) {
            case "CMD" -> List.copyOf(t.subList(1, t.size()));
            case "CMD-SHELL" -> List.of("/bin/sh", "-c", String.join(" ", t.subList(1, t.size())));
            default -> null;
        };
        if (command == null) {
            // dockerd takes the container and never probes it (it logs a warning when it starts)
            LOG.warning("unknown healthcheck type '" + t.getFirst() + "' (expected CMD or CMD-SHELL): no probe runs");
            return Optional.empty();
        }
        if (command.isEmpty() || command.getLast().isBlank()) {
            throw EngineException.invalid("Healthcheck.Test: no command given after " + t.getFirst());
        }
        int retries = hc.retries();
        if (retries < 0) {
            throw EngineException.invalid("Retries in Healthcheck cannot be negative");
        }
        return Optional.of(new HealthCheck(command, duration(hc.interval(), "Interval", DEFAULT_INTERVAL),
                duration(hc.timeout(), "Timeout", DEFAULT_TIMEOUT), duration(hc.startPeriod(), "StartPeriod", Duration.ZERO),
                duration(hc.startInterval(), "StartInterval", DEFAULT_START_INTERVAL), retries == 0 ? DEFAULT_RETRIES : retries));
    }

    /** A duration field in nanoseconds; 0 or absent means the default; else below 1 ms is refused, in dockerd's words. */
    private static Duration duration(long nanos, String field, Duration dflt) {
        if (nanos != 0 && nanos < 1_000_000) {
            throw EngineException.invalid(field + " in Healthcheck cannot be less than 1ms");
        }
        return nanos == 0 ? dflt : Duration.ofNanos(nanos);
    }
}
