package dev.berth.api;

import org.junit.jupiter.api.Test;
import dev.berth.testing.BerthClientProviderStrategy;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Testcontainers-java against Berth (issue 14). These machines are containers themselves, so Testcontainers
 * reaches mapped ports through the bridge network's gateway, which it reads from GET /networks/bridge.
 * Its Ryuk reaper is off (TESTCONTAINERS_RYUK_DISABLED, set for the tests in pom.xml): it would pull an image
 * from Docker Hub. (The class name must not start with "Test": surefire would run it, without that setting.)
 */
class JavaTestcontainersIT extends ContainerTestBase {

    private GenericContainer<?> web() {
        return new GenericContainer<>("busybox:latest").withCommand("httpd", "-f", "-p", "80", "-h", "/etc").withExposedPorts(80);
    }

    @Test
    void mappedPortsServeTheTestAndNetworkAliasesResolve() throws Exception {
        assertEquals("true", System.getenv("TESTCONTAINERS_RYUK_DISABLED"), "run by failsafe, whose configuration keeps Ryuk (a Docker Hub pull) off");
        System.setProperty(BerthClientProviderStrategy.PROPERTY, "unix://" + daemon.socket());
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
    }
}
