package dev.berth.api;

import org.junit.jupiter.api.Test;
import dev.berth.testing.BerthClientProviderStrategy;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.MountableFile;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Testcontainers-java against Berth (issues 14 and 16). These machines are containers themselves, so Testcontainers
 * reaches mapped ports through the bridge network's gateway, which it reads from GET /networks/bridge.
 * Its Ryuk reaper and its checks are off (TESTCONTAINERS_RYUK_DISABLED, TESTCONTAINERS_CHECKS_DISABLE, set for the tests in pom.xml): they would pull images
 * from Docker Hub. (The class name must not start with "Test": surefire would run it, without that setting.)
 */
class JavaTestcontainersIT extends ContainerTestBase {

    private GenericContainer<?> web() {
        return new GenericContainer<>("busybox:latest").withCommand("httpd", "-f", "-p", "80", "-h", "/etc").withExposedPorts(80);
    }

    private void useBerth() {
        assertEquals("true", System.getenv("TESTCONTAINERS_RYUK_DISABLED"), "run by failsafe, whose configuration keeps Ryuk (a Docker Hub pull) off");
        assertEquals("true", System.getenv("TESTCONTAINERS_CHECKS_DISABLE"), "its checks (binds, disk space) run an alpine image pulled from Docker Hub");
        System.setProperty(BerthClientProviderStrategy.PROPERTY, "unix://" + daemon.socket());
    }

    /** Files in and out, and a bind; run from the one test, as Testcontainers keeps its first daemon's client for the JVM's life. */
    private void filesGoInAndOutAndHostDirectoriesBind() throws Exception {
        Path host = Files.createDirectories(daemon.dir().resolve("shared"));
        Files.writeString(host.resolve("from-host"), "bound\n");
        Path local = Files.writeString(daemon.dir().resolve("config.txt"), "copied in\n");
        try (GenericContainer<?> box = new GenericContainer<>("busybox:latest").withCommand("sleep", "300")
                .withFileSystemBind(host.toString(), "/shared", BindMode.READ_WRITE)
                .withCopyFileToContainer(MountableFile.forHostPath(local), "/etc/app/config.txt")) {
            box.start();
            assertEquals("copied in\nbound\n", box.execInContainer("cat", "/etc/app/config.txt", "/shared/from-host").getStdout());
            box.copyFileToContainer(Transferable.of("later\n"), "/tmp/later.txt");
            assertEquals("later\n", box.execInContainer("cat", "/tmp/later.txt").getStdout());
            box.execInContainer("sh", "-c", "echo made inside > /shared/made; echo out > /tmp/out.txt");
            assertEquals("made inside\n", Files.readString(host.resolve("made")));
            Path out = daemon.dir().resolve("out.txt");
            box.copyFileFromContainer("/tmp/out.txt", out.toString());
            assertEquals("out\n", Files.readString(out));
            assertEquals("out\n", box.copyFileFromContainer("/tmp/out.txt", in -> new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
    }

    @Test
    void mappedPortsServeTheTestNetworkAliasesResolveAndFilesCopy() throws Exception {
        useBerth();
        try (Network network = Network.newNetwork();
             GenericContainer<?> web = web().withNetwork(network).withNetworkAliases("shop");
             GenericContainer<?> client = new GenericContainer<>("busybox:latest").withNetwork(network)
                     .withCommand("sleep", "300")) {
            web.start();
            client.start();
            String hostname = web.execInContainer("cat", "/etc/hostname").getStdout();
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://" + web.getHost() + ":" + web.getMappedPort(80) + "/hostname")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals(hostname, r.body());
            }
            var fetched = client.execInContainer("wget", "-q", "-O-", "http://shop/hostname");
            assertEquals(0, fetched.getExitCode(), fetched.getStderr());
            assertEquals(hostname, fetched.getStdout());
            assertTrue(web.getHost().matches("[0-9.]+|localhost"), web.getHost());
        }
        filesGoInAndOutAndHostDirectoriesBind();
        anImageFromADockerfileBuildsAndRuns();
    }

    /** {@code ImageFromDockerfile}: docker-java's classic build, then a one-shot container of the image. */
    private void anImageFromADockerfileBuildsAndRuns() {
        ImageFromDockerfile image = new ImageFromDockerfile("berth-tc-built", false)
                .withFileFromString("Dockerfile", "FROM busybox:latest\nCOPY msg.txt /msg.txt\nCMD [\"cat\", \"/msg.txt\"]\n")
                .withFileFromString("msg.txt", "from ImageFromDockerfile\n");
        try (GenericContainer<?> built = new GenericContainer<>(image).withStartupCheckStrategy(new OneShotStartupCheckStrategy())) {
            built.start();
            assertEquals("from ImageFromDockerfile\n", built.getLogs());
        }
    }
}
