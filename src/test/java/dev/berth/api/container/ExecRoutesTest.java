package dev.berth.api.container;

import dev.berth.api.RouteHarness;
import dev.berth.container.DetachKeys;
import dev.berth.container.exec.Execs;
import dev.berth.errors.EngineException;
import dev.berth.runtime.AttachSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exec routes over a fake backend: what they decode, the call they make, what they answer. */
class ExecRoutesTest {

    private static final String ID = "e".repeat(64);
    private final List<String> calls = new ArrayList<>();
    private Execs.Config created;

    private final Execs execs = new Execs() {
        @Override
        public Session create(String containerRef, Config config) {
            if (config.cmd().isEmpty()) {
                throw EngineException.invalid("No exec command specified");
            }
            created = config;
            calls.add("create " + containerRef);
            return new Session(ID, "c".repeat(64), config, false, false, 0, null);
        }

        @Override
        public Session get(String id) {
            if (!id.equals(ID)) {
                throw EngineException.notFound("No such exec instance: " + id);
            }
            return new Session(ID, "c".repeat(64), created, true, false, 4242, 3);
        }

        @Override
        public List<String> idsOf(String containerId) {
            return List.of();
        }

        @Override
        public AttachSocket start(String id, boolean attach) {
            calls.add("start " + id + " attach=" + attach);
            return null;
        }

        @Override
        public void awaitExit(String id) {
        }

        @Override
        public void resize(String id, int height, int width) {
            calls.add("resize " + id + " " + height + "x" + width);
        }
    };

    private final RouteHarness api = RouteHarness.serve(new ExecRoutes(execs));

    @AfterEach
    void close() throws Exception {
        api.close();
    }

    @Test
    void createDecodesTheConfigAndInspectShowsTheSession() throws Exception {
        RouteHarness.Reply r = api.send("POST", "/v1.41/containers/web/exec",
                "{\"Cmd\":[\"sh\",\"-c\",\"exit 3\"],\"Env\":[\"A=1\"],\"User\":\"nobody\",\"Tty\":true,\"AttachStdout\":true,"
                        + "\"DetachKeys\":\"ctrl-x\",\"ConsoleSize\":[24,80]}");
        assertEquals(201, r.status(), r.body());
        assertEquals(ID, r.json().path("Id").asText());
        assertEquals(List.of("sh", "-c", "exit 3"), created.cmd());
        assertEquals(List.of("A=1"), created.env());
        assertEquals("nobody", created.user());
        assertTrue(created.tty() && created.attachStdout() && !created.attachStdin());
        assertArrayEquals(DetachKeys.parse("ctrl-x").sequence(), created.detachKeys().sequence());
        assertEquals(24, created.consoleSize()[0]);
        RouteHarness.Reply inspect = api.get("/exec/" + ID + "/json");
        assertEquals(200, inspect.status(), inspect.body());
        assertEquals(3, inspect.json().path("ExitCode").asInt());
        assertEquals("sh", inspect.json().path("ProcessConfig").path("entrypoint").asText());
        assertEquals("[\"-c\",\"exit 3\"]", inspect.json().path("ProcessConfig").path("arguments").toString());
        assertEquals(4242, inspect.json().path("Pid").asLong());
    }

    @Test
    void refusalsKeepTheirStatusAndMessage() throws Exception {
        RouteHarness.Reply none = api.send("POST", "/containers/web/exec", "{\"Cmd\":[]}");
        assertEquals(400, none.status());
        assertEquals("No exec command specified", none.message());
        RouteHarness.Reply badType = api.send("POST", "/containers/web/exec", "{\"Cmd\":[\"ls\"],\"Tty\":\"yes\"}");
        assertEquals(400, badType.status(), badType.body());
        RouteHarness.Reply missing = api.get("/exec/nope/json");
        assertEquals(404, missing.status());
        assertEquals("No such exec instance: nope", missing.message());
        assertEquals(List.of(), calls);
    }

    @Test
    void resizeAndADetachedStartAreOneCallEach() throws Exception {
        assertEquals(200, api.send("POST", "/exec/" + ID + "/resize?h=40&w=120", null).status());
        RouteHarness.Reply start = api.send("POST", "/exec/" + ID + "/start", "{\"Detach\":true}");
        assertEquals(200, start.status(), start.body());
        assertEquals("", start.body());
        assertEquals(List.of("resize " + ID + " 40x120", "start " + ID + " attach=false"), calls);
    }
}
