package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compose v2 (Debian 13's 2.26, the docker CLI's {@code compose} plugin that daemon/setup installs) against
 * Berth (issue 26): the flows its users run, with the classic builder ({@code DOCKER_BUILDKIT=0}).
 */
class ComposeV2IT extends ContainerTestBase {

    private static final String PROJECT = """
            services:
              db:
                image: busybox
                command: sh -c 'touch /tmp/ready; httpd -f -p 80 -h /etc'
                healthcheck:
                  test: ["CMD", "test", "-e", "/tmp/ready"]
                  interval: 1s
                  retries: 20
                volumes: [data:/data]
              web:
                build: .
                command: sh -c 'wget -q -O- http://db/hostname; echo; httpd -f -p 80 -h /etc'
                depends_on:
                  db:
                    condition: service_healthy
            volumes:
              data: {}
            """;

    private ProcessBuilder compose(Path project, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(docker.commandLine().strip(), "compose", "--ansi", "never", "-p", "shop"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile());
        pb.environment().remove("DOCKER_CONTEXT");
        pb.environment().putAll(docker.environment());
        pb.environment().put("DOCKER_BUILDKIT", "0");
        return pb;
    }

    /** What compose printed: its output, and its progress and status lines (stderr). */
    private record Printed(String stdout, String status) {}

    /** Runs compose to its end, which must say it succeeded. */
    private Printed run(Path project, String... args) throws Exception {
        Path status = Files.createTempFile(daemon.dir(), "compose-", ".err");
        Process p = compose(project, args).redirectError(status.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "docker compose " + String.join(" ", args) + " did not finish");
        String err = Files.readString(status);
        assertEquals(0, p.exitValue(), "docker compose " + String.join(" ", args) + ":\n" + out + err + "\n" + daemon.log());
        return new Printed(out, err);
    }

    private String ok(Path project, String... args) throws Exception {
        return run(project, args).stdout();
    }

    private String status(Path project, String... args) throws Exception {
        return run(project, args).status();
    }

    private List<String> ids(Path project, String service) throws Exception {
        return ok(project, "ps", "-q", service).lines().map(String::strip).filter(l -> !l.isEmpty()).sorted().toList();
    }

    @Test
    void upWaitsForHealthThenSecondUpRecreateScaleAndDown() throws Exception {
        assertTrue(docker.run("compose", "version").exitCode() == 0,
                "compose v2 (the docker CLI plugin daemon/setup --test installs) is missing");
        Path project = Files.createDirectories(daemon.dir().resolve("shop"));
        Files.writeString(project.resolve("compose.yaml"), PROJECT);
        Files.writeString(project.resolve("Dockerfile"), "FROM busybox\nRUN echo built > /built\n");

        String up = status(project, "up", "-d", "--wait");
        assertTrue(up.contains("Container shop-db-1  Healthy"), up);
        String db = ids(project, "db").getFirst();
        String web = ids(project, "web").getFirst();
        // web started once db was healthy, and reached it by its service name
        assertTrue(ok(project, "logs", "--no-log-prefix", "web").contains(db.substring(0, 12)), "web's log shows db's hostname");

        String again = status(project, "up", "-d", "--wait");
        assertTrue(again.contains("Container shop-web-1  Running"), again);
        assertEquals(List.of(db), ids(project, "db"), "a second up keeps the containers");
        assertEquals(List.of(web), ids(project, "web"));

        List<JsonNode> ps = new ArrayList<>();
        for (String line : ok(project, "ps", "--format", "json").lines().filter(l -> l.startsWith("{")).toList()) {
            ps.add(Json.MAPPER.readTree(line));
        }
        assertEquals(2, ps.size(), ps.toString());
        for (JsonNode c : ps) {
            assertEquals("running", c.path("State").asText(), c.toString());
        }
        assertEquals("healthy", ps.stream().filter(c -> c.path("Service").asText().equals("db")).findFirst().orElseThrow()
                .path("Health").asText());

        assertEquals("built\n", ok(project, "exec", "-T", "web", "cat", "/built"));
        assertEquals("built\n", ok(project, "run", "--rm", "-T", "web", "cat", "/built"));
        ok(project, "exec", "-T", "db", "sh", "-c", "echo kept > /data/note");
        Path copied = daemon.dir().resolve("built.out");
        ok(project, "cp", "web:/built", copied.toString());
        assertEquals("built\n", Files.readString(copied));

        String recreated = status(project, "up", "-d", "--wait", "--force-recreate");
        assertTrue(recreated.contains("Recreated"), recreated);
        assertNotEquals(List.of(db), ids(project, "db"), "--force-recreate makes new containers");
        assertEquals("kept\n", ok(project, "exec", "-T", "db", "cat", "/data/note"), "the volume outlives a recreate");

        ok(project, "up", "-d", "--wait", "--scale", "web=2");
        assertEquals(2, ids(project, "web").size());

        ok(project, "down", "-v");
        assertEquals("", ok("ps", "-aq").stdout().strip());
        assertEquals("", ok("volume", "ls", "-q").stdout().strip());
        assertTrue(!ok("network", "ls", "--format", "{{.Name}}").stdout().contains("shop_default"), "down removes the network");
    }

    @Test
    void logsFollowAndEventsStreamUntilTheirEnd() throws Exception {
        Path project = Files.createDirectories(daemon.dir().resolve("shop"));
        Files.writeString(project.resolve("compose.yaml"), """
                services:
                  ticker:
                    image: busybox
                    command: sh -c 'echo first; trap "echo last; exit 0" TERM; while true; do sleep 0.2; done'
                """);
        ok(project, "up", "-d");
        Process events = compose(project, "events", "--json").start();
        Process logs = compose(project, "logs", "-f", "--no-log-prefix", "ticker").start();
        // neither may outlive the test, whatever happens to it
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                return;
            }
            events.destroy();
            logs.destroy();
        });
        Thread.sleep(1000);     // both have subscribed
        ok(project, "stop", "ticker");
        // logs -f follows to the container's end, then returns
        assertTrue(logs.waitFor(30, TimeUnit.SECONDS), "logs -f ends with its container");
        String followed = new String(logs.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(followed.contains("first") && followed.contains("last"), followed);
        ok(project, "start", "ticker");
        List<String> actions = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(events.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; actions.size() < 20 && !actions.contains("start") && (line = lines.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    actions.add(Json.MAPPER.readTree(line).path("action").asText());
                }
            }
        } finally {
            events.destroy();
        }
        assertEquals(List.of("kill", "die", "stop", "start"), actions);
        ok(project, "down");
    }

    /**
     * {@code watch} with the sync action (it needs a build section, built here by the classic builder): a new or
     * changed file is copied in (an archive PUT), a deleted one removed by an exec that compose starts twice,
     * which dockerd answers as a stream with the error in it, not as a failed request.
     */
    @Test
    void watchSyncsNewChangedAndDeletedFiles() throws Exception {
        Path project = Files.createDirectories(daemon.dir().resolve("watched"));
        Files.createDirectories(project.resolve("src"));
        Files.writeString(project.resolve("src/a.txt"), "one\n");
        Files.writeString(project.resolve("Dockerfile"), "FROM busybox\nCOPY src /app\nCMD [\"sleep\", \"600\"]\n");
        Files.writeString(project.resolve("compose.yaml"), """
                services:
                  web:
                    build: .
                    stop_grace_period: 1s
                    develop:
                      watch:
                        - action: sync
                          path: ./src
                          target: /app
                """);
        Path printed = daemon.dir().resolve("watch.out");
        Process watch = compose(project, "watch").redirectErrorStream(true).redirectOutput(printed.toFile()).start();
        try {
            waitFor(() -> Files.readString(printed).contains("Watch enabled"), "watch did not start: " + printed);
            assertEquals("one\n", ok(project, "exec", "-T", "web", "cat", "/app/a.txt"));
            Files.writeString(project.resolve("src/a.txt"), "changed\n");
            Files.writeString(project.resolve("src/b.txt"), "two\n");
            waitFor(() -> run(project, "exec", "-T", "web", "sh", "-c", "cat /app/a.txt /app/b.txt 2>&1; true").stdout()
                    .equals("changed\ntwo\n"), "the changes were not synced");
            Files.delete(project.resolve("src/b.txt"));
            waitFor(() -> run(project, "exec", "-T", "web", "ls", "/app").stdout().equals("a.txt\n"), "the deleted file is still there");
            Thread.sleep(500);      // what compose printed about the deletion is out
            String out = Files.readString(printed);
            assertTrue(!out.contains("Error") && !out.contains("error"), out);
        } finally {
            watch.destroy();
            watch.waitFor(20, TimeUnit.SECONDS);
        }
        ok(project, "down", "-t", "0");
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    /** Waits (at most 30 s) until {@code check} holds. */
    private static void waitFor(Check check, String failure) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!check.holds()) {
            assertTrue(System.nanoTime() < deadline, failure);
            Thread.sleep(200);
        }
    }
}
