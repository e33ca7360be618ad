package dev.berth.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Debian's docker-compose 1.29 against Berth (issue 14): a two-service project on its default network. */
class ComposeIT extends ContainerTestBase {

    private static final Path COMPOSE = Path.of("/usr/bin/docker-compose");

    private String compose(Path project, String... args) throws Exception {
        assumeTrue(Files.isExecutable(COMPOSE), "docker-compose (Debian's) is not installed: skipping");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(COMPOSE.toString(), "--no-ansi"));
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true);
        pb.environment().putAll(docker.environment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "docker-compose " + String.join(" ", args) + " did not finish");
        assertEquals(0, p.exitValue(), "docker-compose " + String.join(" ", args) + ":\n" + out + "\n" + daemon.log());
        return out;
    }

    @Test
    void aServiceReachesAnotherByServiceNameAndDownRemovesTheNetwork() throws Exception {
        Path project = Files.createDirectories(daemon.dir().resolve("shop"));
        Files.writeString(project.resolve("docker-compose.yml"), """
                version: "3"
                services:
                  web:
                    image: busybox
                    command: httpd -f -p 80 -h /etc
                  client:
                    image: busybox
                    command: sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O- http://web/hostname && exit 0; sleep 0.5; done; exit 1'
                    depends_on: [web]
                """);
        compose(project, "up", "-d");
        assertEquals("shop_default", ok("network", "ls", "--filter", "name=shop_default", "--format", "{{.Name}}").stdout().strip());
        String webHost = ok("inspect", "-f", "{{.Config.Hostname}}", "shop_web_1").stdout().strip();
        assertEquals("0", ok("wait", "shop_client_1").stdout().strip());
        assertTrue(compose(project, "logs", "client").contains(webHost), "the client did not print the web service's hostname");
        compose(project, "down");
        assertEquals("", ok("network", "ls", "--filter", "name=shop_default", "-q").stdout().strip());
        assertFalse(ok("ps", "-a", "--format", "{{.Names}}").stdout().contains("shop_"));
    }

    @Test
    void aNamedVolumeIsSharedByTwoServicesAndDownDashVRemovesIt() throws Exception {
        Path project = Files.createDirectories(daemon.dir().resolve("notes"));
        Files.writeString(project.resolve("docker-compose.yml"), """
                version: "3"
                services:
                  writer:
                    image: busybox
                    command: sh -c 'echo written by writer > /data/note'
                    volumes: [notes:/data]
                  reader:
                    image: busybox
                    command: sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do cat /shared/note 2>/dev/null && exit 0; sleep 0.5; done; exit 1'
                    volumes: [notes:/shared:ro]
                    depends_on: [writer]
                volumes:
                  notes: {}
                """);
        compose(project, "up", "-d");
        assertEquals("notes_notes", ok("volume", "ls", "-q").stdout().strip());
        assertEquals("0", ok("wait", "notes_reader_1").stdout().strip());
        assertTrue(compose(project, "logs", "reader").contains("written by writer"));
        compose(project, "down");
        assertEquals("notes_notes", ok("volume", "ls", "-q").stdout().strip(), "down keeps volumes");
        compose(project, "up", "-d");
        compose(project, "down", "-v");
        assertEquals("", ok("volume", "ls", "-q").stdout().strip());
    }

    /** Issue 26: the two commands compose users type most, after a first up: a second up, and a recreate. */
    @Test
    void aSecondUpARunAndRecreatesWorkAfterTheFirstUp() throws Exception {
        Path project = Files.createDirectories(daemon.dir().resolve("again"));
        Files.writeString(project.resolve("docker-compose.yml"), """
                version: "3"
                services:
                  web:
                    image: busybox
                    command: httpd -f -p 80 -h /etc
                    volumes: [data:/data]
                    environment: [HOME, GREETING=hi]
                volumes:
                  data: {}
                """);
        compose(project, "up", "-d");
        ok("exec", "again_web_1", "sh", "-c", "echo kept > /data/note");
        assertEquals("{}", ok("network", "inspect", "-f", "{{json .Options}}", "again_default").stdout().strip(),
                "an automatically chosen bridge name is not an option the user set");
        assertTrue(compose(project, "up", "-d").contains("up-to-date"));
        String run = compose(project, "run", "--rm", "-T", "web", "sh", "-c", "echo greeting=$GREETING");
        assertTrue(run.lines().anyMatch("greeting=hi"::equals), run);
        compose(project, "up", "-d", "--force-recreate");
        assertEquals("kept\n", ok("exec", "again_web_1", "cat", "/data/note").stdout(), "the recreated container has the volume");
        compose(project, "up", "-d", "--scale", "web=2");
        assertEquals("again_web_1\nagain_web_2\n", ok("ps", "--format", "{{.Names}}", "--filter", "name=again_web").stdout()
                .lines().sorted().map(l -> l + "\n").reduce("", String::concat));
        compose(project, "down", "-v");
        assertEquals("", ok("volume", "ls", "-q").stdout().strip());
    }

    /**
     * Ctrl-C while {@code up} is still creating and starting: compose stops what it started and ends, and no
     * request of its stays open in the daemon (attaches waiting for a start included).
     */
    @Test
    void anUpInterruptedWhileStartingEndsAndLeavesNoRequestOpen() throws Exception {
        assumeTrue(Files.isExecutable(COMPOSE), "docker-compose (Debian's) is not installed: skipping");
        Path project = Files.createDirectories(daemon.dir().resolve("halt"));
        Files.writeString(project.resolve("docker-compose.yml"), """
                version: "3"
                services:
                  a: {image: busybox, command: sleep 600, stop_grace_period: 1s}
                  b: {image: busybox, command: sleep 600, stop_grace_period: 1s}
                  c: {image: busybox, command: sleep 600, stop_grace_period: 1s, depends_on: [a, b]}
                """);
        ProcessBuilder pb = new ProcessBuilder(COMPOSE.toString(), "--no-ansi", "up").directory(project.toFile()).redirectErrorStream(true);
        pb.environment().putAll(docker.environment());
        Process up = pb.start();
        StringBuffer out = new StringBuffer();
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                out.append(new String(up.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        try {
            // the interrupt comes while the last service is being created: a and b are starting or started
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (ok("ps", "-a", "-q", "--filter", "name=halt_c_1").stdout().isBlank() && System.nanoTime() < deadline && up.isAlive()) {
                Thread.sleep(50);
            }
            assertTrue(up.isAlive(), "compose ended before it was interrupted:\n" + out);
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(up.pid())).start().waitFor());
            assertTrue(up.waitFor(30, TimeUnit.SECONDS), "compose did not end after SIGINT:\n" + out);
            reader.join(5000);
            // the only connection left is this check's own
            String connections = "";
            for (int i = 0; i < 100 && !connections.equals("1.0"); i++) {
                Thread.sleep(100);
                connections = dev.berth.testing.RawHttp.request(daemon.socket(), "GET", "/metrics", java.util.Map.of(), null).bodyText()
                        .lines().filter(l -> l.startsWith("berth_api_connections ")).map(l -> l.split(" ")[1]).findFirst().orElse("");
            }
            assertEquals("1.0", connections, "API connections still open 10 s after compose ended:\n" + out + "\n" + daemon.log());
        } finally {
            up.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        compose(project, "down", "-t", "0");
        assertEquals("", ok("ps", "-a", "-q", "--filter", "name=halt_").stdout().strip());
    }

    /** Image inspect's Container and ContainerConfig: shown below API 1.45 (and to compose 1.x, which negotiates up), gone from it. */
    @Test
    void imageInspectShowsContainerConfigByApiVersion() throws Exception {
        var old = dev.berth.testing.RawHttp.request(daemon.socket(), "GET", "/v1.41/images/busybox/json", java.util.Map.of(), null);
        var config = Json.MAPPER.readTree(old.body()).path("ContainerConfig");
        assertTrue(config.isObject(), old.bodyText());
        assertTrue(config.path("Volumes").isNull(), old.bodyText());
        assertEquals("", Json.MAPPER.readTree(old.body()).path("Container").asText("missing"));
        var now = dev.berth.testing.RawHttp.request(daemon.socket(), "GET", "/v1.47/images/busybox/json", java.util.Map.of(), null);
        assertFalse(Json.MAPPER.readTree(now.body()).has("ContainerConfig"), now.bodyText());
        var compose = dev.berth.testing.RawHttp.request(daemon.socket(), "GET", "/v1.47/images/busybox/json",
                java.util.Map.of("User-Agent", "docker-compose/1.29.2 docker-py/5.0.3 Linux/6.1.0"), null);
        assertTrue(Json.MAPPER.readTree(compose.body()).path("ContainerConfig").isObject(), compose.bodyText());
    }
}
