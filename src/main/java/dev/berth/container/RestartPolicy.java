package dev.berth.container;

import dev.berth.container.config.HostConfig;
import dev.berth.errors.EngineException;

import java.time.Duration;

/**
 * HostConfig.RestartPolicy with dockerd's rules: {@code always}, {@code unless-stopped} and
 * {@code on-failure[:N]} bring an exited container back after a back-off that starts at 100 ms, doubles
 * with each restart up to a minute, and starts over once the container ran for 10 s.
 */
record RestartPolicy(String name, int maximumRetryCount) {

    static final RestartPolicy NO = new RestartPolicy("no", 0);

    private static final Duration FIRST_DELAY = Duration.ofMillis(100);
    private static final Duration MAX_DELAY = Duration.ofMinutes(1);
    private static final Duration STABLE_RUN = Duration.ofSeconds(10);

    /** The policy a HostConfig asks for; a bad one is a 400 with dockerd's message. */
    static RestartPolicy of(HostConfig hostConfig) {
        String name = hostConfig.restartPolicy().name();
        int max = hostConfig.restartPolicy().maximumRetryCount();
        if (max < 0) {
            throw EngineException.invalid("invalid restart policy: maximum retry count cannot be negative");
        }
        return switch (name) {
            case "", "no" -> {
                if (max > 0) {
                    throw EngineException.invalid("invalid restart policy: maximum retry count can only be used with 'on-failure'");
                }
                yield NO;
            }
            case "always", "unless-stopped" -> {
                if (max > 0) {
                    throw EngineException.invalid("invalid restart policy: maximum retry count can only be used with 'on-failure'");
                }
                yield new RestartPolicy(name, 0);
            }
            case "on-failure" -> new RestartPolicy(name, max);
            default -> throw EngineException.invalid("invalid restart policy: unknown policy '" + name
                    + "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
        };
    }

    boolean none() {
        return name.equals("no");
    }

    /**
     * Whether a container that exited with {@code exitCode} after {@code restartCount} restarts comes back,
     * as dockerd's restart manager decides once a stop has not called it off: a kill through the API with
     * another signal than the stop signal ({@code manuallyStopped}) keeps {@code unless-stopped} down only.
     * When the daemon starts, {@code on-failure} leaves alone what was stopped by hand too (dockerd brings it
     * back if it exited non-zero, which a {@code docker stop} makes it).
     */
    boolean restarts(int exitCode, int restartCount, boolean manuallyStopped, boolean atDaemonStart) {
        return switch (name) {
            case "always" -> true;
            case "unless-stopped" -> !manuallyStopped;
            case "on-failure" -> !(atDaemonStart && manuallyStopped) && exitCode != 0
                    && (maximumRetryCount == 0 || restartCount < maximumRetryCount);
            default -> false;
        };
    }

    /** The wait before the next restart, after the previous wait and how long the container ran. */
    static Duration nextDelay(Duration previous, Duration ranFor) {
        if (previous == null || previous.isZero() || ranFor.compareTo(STABLE_RUN) >= 0) {
            return FIRST_DELAY;
        }
        Duration doubled = previous.multipliedBy(2);
        return doubled.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : doubled;
    }
}
