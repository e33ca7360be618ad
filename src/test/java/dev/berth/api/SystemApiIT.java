package dev.berth.api;

import dev.berth.testing.ApiSpec;
import dev.berth.testing.BerthDaemon;
import dev.berth.testing.RawHttp;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The system routes of a real daemon, over its loopback TCP listener and its unix socket. */
class SystemApiIT {

    private static BerthDaemon daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = BerthDaemon.start();
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    private static RequestSpecification api() {
        return given().baseUri(daemon.tcpUri()).urlEncodingEnabled(false);
    }

    @Test
    void pingAnswersOkWithDockersHeaders() {
        for (String path : new String[] {"/_ping", "/v1.24/_ping", "/v1.47/_ping"}) {
            api().get(path).then()
                    .statusCode(200)
                    .body(equalTo("OK"))
                    .header("Api-Version", "1.47")
                    .header("Ostype", "linux")
                    .header("Docker-Experimental", "false")
                    .header("Cache-Control", containsString("no-cache"))
                    .header("Server", matchesPattern("Berth/\\S+ \\(linux\\)"));
        }
    }

    @Test
    void headPingHasTheHeadersAndNoBody() {
        api().head("/_ping").then()
                .statusCode(200)
                .header("Api-Version", "1.47")
                .header("Ostype", "linux")
                .body(emptyString());
    }

    @Test
    void versionReportsBerthAndTheRealHelperVersions() throws Exception {
        var json = api().get("/v1.41/version").then().statusCode(200)
                .header("Content-Type", containsString("application/json"))
                .body("ApiVersion", equalTo("1.47"))
                .body("MinAPIVersion", equalTo("1.24"))
                .body("Os", equalTo("linux"))
                .body("Arch", equalTo("amd64"))
                .body("GoVersion", startsWith("java "))
                .body("KernelVersion", equalTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip()))
                .body("Components.Name", hasItem("Engine"))
                .extract().jsonPath();
        String version = json.getString("Version");
        assertTrue(version.matches("\\d+\\.\\d+\\.\\d+.*"), version);
        // Testcontainers refuses an engine whose Version orders below 1.6.0.
        String[] parts = version.split("[.-]");
        int major = Integer.parseInt(parts[0]);
        int minor = Integer.parseInt(parts[1]);
        assertTrue(major > 1 || (major == 1 && minor >= 6), version);
        // conmon and runc report their versions themselves: compare with what they say when asked.
        for (String tool : new String[] {"conmon", "runc"}) {
            String expected = firstVersionWord(tool);
            if (expected != null) {
                assertEquals(expected, json.getString("Components.find { it.Name == '" + tool + "' }.Version"), tool);
            }
        }
    }

    private static String firstVersionWord(String tool) throws Exception {
        for (String dir : new String[] {"/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"}) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                Process proc = new ProcessBuilder(p.toString(), "--version").redirectErrorStream(true).start();
                String out = new String(proc.getInputStream().readAllBytes());
                proc.waitFor();
                var m = java.util.regex.Pattern.compile("version\\s+(\\S+)").matcher(out);
                return m.find() ? m.group(1) : null;
            }
        }
        return null;
    }

    @Test
    void infoHasRealHostValues() throws Exception {
        long memTotalKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElseThrow();
        api().get("/info").then().statusCode(200)
                .body("ID", matchesPattern("[0-9a-f-]{36}"))
                .body("OSType", equalTo("linux"))
                .body("NCPU", equalTo(Runtime.getRuntime().availableProcessors()))
                .body("MemTotal", equalTo(memTotalKb * 1024))
                .body("KernelVersion", equalTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip()))
                .body("Name", equalTo(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip()))
                .body("DockerRootDir", equalTo(daemon.dir().resolve("root").toString()))
                .body("CgroupDriver", equalTo("cgroupfs"))
                .body("CgroupVersion", equalTo(Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "2" : "1"))
                .body("DefaultRuntime", equalTo("runc"))
                .body("Runtimes", hasKey("runc"))
                .body("Containers", equalTo(0))
                .body("Images", equalTo(0))
                .body("Swarm.LocalNodeState", equalTo("inactive"))
                .body("NFd", greaterThan(0))
                .body("ServerVersion", not(emptyString()))
                .body("SecurityOptions", hasItem(containsString("seccomp")));
    }

    @Test
    void versionPrefixOutsideTheRangeIs400NamingTheRange() {
        api().get("/v1.23/version").then().statusCode(400)
                .body("message", containsString("1.24")).body("message", containsString("too old"));
        api().get("/v1.99/info").then().statusCode(400)
                .body("message", containsString("1.47")).body("message", containsString("too new"));
        api().get("/v2.0/_ping").then().statusCode(400);
    }

    @Test
    void unknownRouteIs404PageNotFound() {
        api().get("/no/such/route").then().statusCode(404).body("message", equalTo("page not found"));
        api().get("/v1.41/no/such/route").then().statusCode(404).body("message", equalTo("page not found"));
        api().get("/vX/_ping").then().statusCode(404).body("message", equalTo("page not found"));
    }

    @Test
    void wrongMethodIs405() {
        api().post("/version").then().statusCode(405).body("message", containsString("POST"));
        api().delete("/v1.41/info").then().statusCode(405);
    }

    @Test
    void dockerRoutesNotServedYetAre501NamingTheRoute() {
        api().post("/plugins/pull").then().statusCode(501)
                .body("message", equalTo("Berth does not implement POST /plugins/pull yet"));
        api().post("/v1.44/build?version=2").then().statusCode(501)
                .body("message", containsString("BuildKit"));
        api().get("/swarm").then().statusCode(503).body("message", containsString("swarm"));
    }

    @Test
    void metricsCountRequestsPerRouteAndStatus() {
        api().get("/_ping").then().statusCode(200);
        api().get("/no/such/route").then().statusCode(404);
        String metrics = api().get("/metrics").then().statusCode(200)
                .header("Content-Type", containsString("text/plain")).extract().asString();
        assertTrue(metrics.contains("berth_api_requests_seconds_count{route=\"GET /_ping\",status=\"200\"}"), metrics);
        assertTrue(metrics.contains("berth_api_requests_seconds_bucket{route=\"unmatched\",status=\"404\""), metrics);
        assertTrue(metrics.contains("berth_api_connections"), metrics);
        assertTrue(metrics.contains("jvm_memory_used_bytes"), metrics);
    }

    @Test
    void theUnixSocketServesTheSameApiAndIsGroupOnly() throws Exception {
        RawHttp.Response r = RawHttp.request(daemon.socket(), "GET", "/v1.47/version", Map.of(), null);
        assertEquals(200, r.status());
        assertTrue(r.bodyText().contains("\"ApiVersion\":\"1.47\""), r.bodyText());
        assertEquals("rw-rw----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket())));
    }

    @Test
    void everyDocumentedRouteIsServedByTheDaemon() throws Exception {
        for (String route : ApiSpec.routes()) {
            String[] parts = route.split(" ", 2);
            String path = parts[1].replaceAll("\\{[^}]+}", "x");
            // the event stream runs until its until: the past, here
            var response = api().request(parts[0], path.equals("/events") ? path + "?until=1" : path);
            int status = response.statusCode();
            // 404 is fine when it is about the object ("No such image: x"), not the route
            boolean routeMissing = status == 404 && response.asString().contains("page not found");
            assertTrue(!routeMissing && status != 405 && status != 501, route + " answered " + status + " " + response.asString());
        }
    }

    static {
        RestAssured.enableLoggingOfRequestAndResponseIfValidationFails();
    }
}
