package dev.berth.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.container.config.ContainerConfig;
import dev.berth.container.config.HealthCheck;
import dev.berth.container.config.HostConfig;
import dev.berth.errors.EngineException;
import dev.berth.filters.FilterValues;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RestartPolicyAndHealthTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ContainerConfig config(String json) throws Exception {
        return JSON.readValue(json, ContainerConfig.class);
    }

    private static RestartPolicy policy(String json) throws Exception {
        return RestartPolicy.of(JSON.readValue("{\"RestartPolicy\":" + json + "}", HostConfig.class));
    }

    @Test
    void policiesDecideAsDockerd() throws Exception {
        RestartPolicy onFailure = policy("{\"Name\":\"on-failure\",\"MaximumRetryCount\":2}");
        assertTrue(onFailure.restarts(1, 0, false, false));
        assertTrue(onFailure.restarts(1, 1, false, false));
        assertFalse(onFailure.restarts(1, 2, false, false), "the maximum is reached");
        assertFalse(onFailure.restarts(0, 0, false, false), "a success is no failure");
        assertTrue(policy("{\"Name\":\"on-failure\"}").restarts(1, 1000, false, false), "0 means no maximum");
        RestartPolicy always = policy("{\"Name\":\"always\"}");
        assertTrue(always.restarts(0, 5, false, false));
        assertTrue(always.restarts(0, 5, true, false), "killed with another signal than its stop signal");
        assertTrue(always.restarts(0, 5, true, true), "the daemon's start brings always back");
        assertTrue(onFailure.restarts(138, 0, true, false), "killed with another signal than its stop signal");
        assertFalse(onFailure.restarts(143, 0, true, true), "stopped by hand, at the daemon's start");
        RestartPolicy unless = policy("{\"Name\":\"unless-stopped\"}");
        assertFalse(unless.restarts(0, 0, true, true));
        assertFalse(unless.restarts(0, 0, true, false), "killed through the API");
        assertTrue(unless.restarts(0, 0, false, true));
        assertTrue(policy("{}").none());
        assertThrows(EngineException.class, () -> policy("{\"Name\":\"on-failure\",\"MaximumRetryCount\":-1}"));
        assertThrows(EngineException.class, () -> policy("{\"Name\":\"no\",\"MaximumRetryCount\":1}"));
    }

    @Test
    void backOffDoublesToAMinuteAndStartsOverAfterAStableRun() {
        Duration d = RestartPolicy.nextDelay(null, Duration.ZERO);
        assertEquals(Duration.ofMillis(100), d);
        d = RestartPolicy.nextDelay(d, Duration.ofSeconds(1));
        assertEquals(Duration.ofMillis(200), d);
        for (int i = 0; i < 20; i++) {
            d = RestartPolicy.nextDelay(d, Duration.ofSeconds(1));
        }
        assertEquals(Duration.ofMinutes(1), d);
        assertEquals(Duration.ofMillis(100), RestartPolicy.nextDelay(d, Duration.ofSeconds(10)));
    }

    @Test
    void healthFollowsProbesRetriesAndTheStartPeriod() {
        Health.Probe fail = new Health.Probe("a", "b", 1, "no");
        Health.Probe pass = new Health.Probe("a", "b", 0, "ok");
        Health h = Health.STARTING.after(fail, 2, true);
        assertEquals("starting", h.status());
        assertEquals(0, h.failingStreak(), "failures in the start period do not count");
        h = h.after(fail, 2, false);
        assertEquals("starting 1", h.status() + " " + h.failingStreak());
        h = h.after(fail, 2, false);
        assertEquals("unhealthy 2", h.status() + " " + h.failingStreak());
        h = h.after(pass, 2, false);
        assertEquals("healthy 0", h.status() + " " + h.failingStreak());
        for (int i = 0; i < 10; i++) {
            h = h.after(pass, 2, false);
        }
        assertEquals(Health.LOG_SIZE, h.log().size());
        assertEquals("unhealthy", Health.STARTING.after(fail, 1, false).status());
    }

    @Test
    void healthChecksParseAsDockerSendsThem() throws Exception {
        HealthCheck shell = HealthCheck.of(config("{\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"curl -f x || exit 1\"],"
                + "\"Interval\":200000000,\"Retries\":2}}")).orElseThrow();
        assertEquals(List.of("/bin/sh", "-c", "curl -f x || exit 1"), shell.command());
        assertEquals(Duration.ofMillis(200), shell.interval());
        assertEquals(Duration.ofSeconds(30), shell.timeout());
        assertEquals(2, shell.retries());
        assertEquals(List.of("true"), HealthCheck.of(config("{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}}")).orElseThrow().command());
        assertEquals(3, HealthCheck.of(config("{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}}")).orElseThrow().retries());
        assertTrue(HealthCheck.of(config("{\"Healthcheck\":{\"Test\":[\"NONE\"]}}")).isEmpty());
        assertTrue(HealthCheck.of(config("{}")).isEmpty());
        assertThrows(EngineException.class, () -> HealthCheck.of(config("{\"Healthcheck\":{\"Test\":[\"CMD\"]}}")));
        assertThrows(EngineException.class, () -> HealthCheck.of(config("{\"Healthcheck\":{\"Test\":[\"CMD\",\"x\"],\"Timeout\":5}}")));
    }

    @Test
    void untilTakesTimestampsAndDurations() {
        assertEquals(Instant.ofEpochSecond(1700000000), FilterValues.time("1700000000", "until"));
        assertEquals(Instant.parse("2024-01-02T03:04:05Z"), FilterValues.time("2024-01-02T03:04:05Z", "until"));
        Instant ninetyMinutesAgo = FilterValues.time("1h30m", "until");
        long minutes = Duration.between(ninetyMinutesAgo, Instant.now()).toMinutes();
        assertTrue(minutes >= 89 && minutes <= 90, "1h30m before now: " + minutes);
        assertThrows(EngineException.class, () -> FilterValues.time("yesterday", "until"));
    }
}
