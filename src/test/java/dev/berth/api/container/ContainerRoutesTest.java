package dev.berth.api.container;

import dev.berth.api.RouteHarness;
import dev.berth.container.Container;
import dev.berth.container.ContainerLifecycle;
import dev.berth.container.ContainerState;
import dev.berth.container.ContainerStreams;
import dev.berth.container.ContainerViews;
import dev.berth.container.LegacyLinks;
import dev.berth.container.config.ContainerConfig;
import dev.berth.container.config.ContainerCreate;
import dev.berth.container.config.HostConfig;
import dev.berth.container.config.ResourceUpdate;
import dev.berth.container.logs.ContainerLogs;
import dev.berth.errors.EngineException;
import dev.berth.runtime.AttachSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The container routes over fake backends: what they decode, the one call they make, what they answer. */
class ContainerRoutesTest {

    private static final String ID = "c".repeat(64);
    private static final Container WEB = new Container(ID, "web", "2026-12-01T10:00:00Z", "busybox", "sha256:" + "b".repeat(64),
            ContainerConfig.empty(), HostConfig.empty(), "sh", List.of("-c", "true"), ContainerState.created(), 0, List.of(),
            Map.of(), Map.of());

    private final List<String> calls = new ArrayList<>();
    private ContainerViews.Query listed;
    private boolean started;

    private static Container known(String ref) {
        if (!ref.equals("web") && !ref.equals(ID)) {
            throw EngineException.notFound("No such container: " + ref);
        }
        return WEB;
    }

    private final ContainerLifecycle lifecycle = new ContainerLifecycle() {
        @Override
        public Container get(String ref) {
            return known(ref);
        }

        @Override
        public List<Container> list() {
            return List.of(WEB);
        }

        @Override
        public Created create(ContainerCreate request) {
            calls.add("create " + request.name() + " " + request.config().image());
            return new Created(WEB, List.of("a warning"));
        }

        @Override
        public boolean start(String ref) {
            calls.add("start " + known(ref).name());
            boolean first = !started;
            started = true;
            return first;
        }

        @Override
        public boolean stop(String ref, Integer timeoutSeconds) {
            calls.add("stop " + known(ref).name() + " t=" + timeoutSeconds);
            return true;
        }

        @Override
        public void restart(String ref, Integer timeoutSeconds) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void kill(String ref, String signal) {
            calls.add("kill " + known(ref).name() + " " + signal);
        }

        @Override
        public void pause(String ref, boolean frozen) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void rename(String ref, String newName) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> update(String ref, ResourceUpdate changes) {
            calls.add("update " + known(ref).name() + " memory=" + changes.memory());
            return List.of();
        }

        @Override
        public void remove(String ref, boolean force, boolean removeVolumes) {
            calls.add("remove " + known(ref).name() + " force=" + force + " v=" + removeVolumes);
        }

        @Override
        public Pruned prune(Predicate<Container> which) {
            calls.add("prune " + which.test(WEB));
            return new Pruned(List.of(ID), 42);
        }

        @Override
        public CompletableFuture<Integer> waitFor(String ref, WaitCondition condition) {
            known(ref);
            calls.add("wait " + condition);
            return CompletableFuture.completedFuture(7);
        }
    };

    private final ContainerViews views = new ContainerViews() {
        @Override
        public Details inspect(String ref, boolean sizes) {
            return new Details(known(ref), new ContainerPaths(Path.of("/logs/web.log"), Path.of("/run/web")), List.of(), Optional.empty(),
                    List.of(), sizes ? new Sizes(10, 110) : null);
        }

        @Override
        public List<Listed> list(Query query) {
            listed = query;
            return List.of(new Listed(WEB, Optional.empty(), List.of("/app/db"), query.sizes() ? new Sizes(1, 2) : null));
        }

        @Override
        public String networkId(String ref) {
            return "";
        }

        @Override
        public Path volumeDir(String name) {
            return Path.of("/volumes", name);
        }
    };

    private final ContainerStreams streams = new ContainerStreams() {
        @Override
        public CompletableFuture<AttachSocket> attach(String ref) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void resize(String ref, int height, int width) {
            calls.add("resize " + known(ref).name() + " " + height + "x" + width);
        }

        @Override
        public List<List<String>> top(String ref, String psArgs) {
            known(ref);
            calls.add("top " + psArgs);
            return List.of(List.of("PID", "CMD"), List.of("1", "sh"));
        }

        @Override
        public void stats(String ref, StatsMode mode, StatsSink sink) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void logs(String id, ContainerLogs.Options options, boolean tty, OutputStream out, BooleanSupplier live) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void logs(String id, ContainerLogs.Options options, boolean tty, OutputStream out) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void detached(String id) {
            throw new UnsupportedOperationException();
        }
    };

    private final LegacyLinks links = new LegacyLinks() {
        @Override
        public void removeLink(String parentRef, String alias) {
            if (parentRef.isEmpty()) {
                throw EngineException.conflict("Conflict, cannot remove the default link name of the container");
            }
            calls.add("unlink " + parentRef + "/" + alias);
        }

        @Override
        public String linkTarget(String parentRef, String alias) {
            if (!parentRef.equals("app") || !alias.equals("db")) {
                throw EngineException.notFound("No such container: " + parentRef + "/" + alias);
            }
            return "web";
        }
    };

    private final RouteHarness api = RouteHarness.serve(new ContainerRoutes(lifecycle, views, streams, links, "overlay2"));

    @AfterEach
    void close() throws Exception {
        api.close();
    }

    @Test
    void listDecodesItsQueryAndShowsLinkNamesAndSizesOnlyWhenAsked() throws Exception {
        RouteHarness.Reply r = api.get("/v1.41/containers/json?all=1&limit=3&size=true&filters=%7B%22label%22%3A%5B%22k%3Dv%22%5D%7D");
        assertEquals(200, r.status(), r.body());
        assertTrue(listed.all() && listed.sizes());
        assertEquals(3, listed.limit());
        assertEquals(Map.of("label", List.of("k=v")), listed.filters());
        assertEquals("[\"/web\",\"/app/db\"]", r.json().get(0).path("Names").toString());
        assertEquals(1, r.json().get(0).path("SizeRw").asLong());
        assertEquals(2, r.json().get(0).path("SizeRootFs").asLong());

        RouteHarness.Reply plain = api.get("/containers/json");
        assertFalse(listed.all() || listed.sizes());
        assertFalse(plain.json().get(0).has("SizeRw"), plain.body());
        assertEquals(400, api.get("/containers/json?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D").status());
    }

    @Test
    void inspectShowsTheRecordItsFilesAndSizesWhenAsked() throws Exception {
        RouteHarness.Reply r = api.get("/containers/web/json?size=1");
        assertEquals(200, r.status(), r.body());
        assertEquals(ID, r.json().path("Id").asText());
        assertEquals("/web", r.json().path("Name").asText());
        assertEquals("/run/web/hosts", r.json().path("HostsPath").asText());
        assertEquals("overlay2", r.json().path("Driver").asText());
        assertEquals(110, r.json().path("SizeRootFs").asLong());
        assertFalse(api.get("/containers/web/json").json().has("SizeRw"));
        RouteHarness.Reply missing = api.get("/containers/nosuch/json");
        assertEquals(404, missing.status());
        assertEquals("No such container: nosuch", missing.message());
    }

    @Test
    void transitionsAnswerDockersStatuses() throws Exception {
        assertEquals(204, api.send("POST", "/containers/web/start", null).status());
        assertEquals(304, api.send("POST", "/containers/web/start", "{}").status(), "a second start in a row is not modified");
        assertEquals(204, api.send("POST", "/containers/web/stop?t=5", null).status());
        RouteHarness.Reply badT = api.send("POST", "/containers/web/stop?t=soon", null);
        assertEquals(400, badT.status());
        assertEquals("invalid value for t: soon", badT.message());
        assertEquals(204, api.send("POST", "/containers/web/kill?signal=HUP", null).status());
        assertEquals(200, api.send("POST", "/containers/web/resize?h=40&w=120", null).status());
        assertEquals(List.of("start web", "start web", "stop web t=5", "kill web HUP", "resize web 40x120"), calls);
    }

    @Test
    void createAnswersTheIdAndWarnings() throws Exception {
        RouteHarness.Reply r = api.send("POST", "/containers/create?name=web", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}");
        assertEquals(201, r.status(), r.body());
        assertEquals(ID, r.json().path("Id").asText());
        assertEquals("[\"a warning\"]", r.json().path("Warnings").toString());
        assertEquals(List.of("create web busybox"), calls);
        assertEquals(400, api.send("POST", "/containers/create", "{\"Image\":\"busybox\",\"Tty\":\"yes\"}").status());
    }

    @Test
    void removeTellsContainersFromLegacyLinkNames() throws Exception {
        assertEquals(204, api.send("DELETE", "/containers/web?force=1&v=1", null).status());
        RouteHarness.Reply defaultName = api.send("DELETE", "/containers/web?link=1", null);
        assertEquals(409, defaultName.status());
        assertEquals("Conflict, cannot remove the default link name of the container", defaultName.message());
        assertEquals(204, api.send("DELETE", "/containers/app/db?link=1", null).status());
        assertEquals(204, api.send("DELETE", "/containers/app/db", null).status());
        assertEquals(404, api.send("DELETE", "/containers/app/cache", null).status());
        assertEquals(List.of("remove web force=true v=true", "unlink app/db", "remove web force=false v=false"), calls);
    }

    @Test
    void waitTopUpdateAndPruneRenderWhatTheBackendsAnswer() throws Exception {
        RouteHarness.Reply w = api.send("POST", "/containers/web/wait?condition=next-exit", null);
        assertEquals(200, w.status());
        assertEquals(7, w.json().path("StatusCode").asInt());
        assertTrue(w.json().has("Error") && w.json().get("Error").isNull(), w.body());
        RouteHarness.Reply badCondition = api.send("POST", "/containers/web/wait?condition=soon", null);
        assertEquals(400, badCondition.status());
        assertEquals("invalid condition: \"soon\"", badCondition.message());

        RouteHarness.Reply top = api.get("/containers/web/top?ps_args=aux");
        assertEquals("[\"PID\",\"CMD\"]", top.json().path("Titles").toString());
        assertEquals("[[\"1\",\"sh\"]]", top.json().path("Processes").toString());

        assertEquals(200, api.send("POST", "/containers/web/update", "{\"Memory\":67108864}").status());
        RouteHarness.Reply pruned = api.send("POST", "/containers/prune?filters=%7B%22label%22%3A%5B%22k%3Dv%22%5D%7D", null);
        assertEquals("[\"" + ID + "\"]", pruned.json().path("ContainersDeleted").toString());
        assertEquals(42, pruned.json().path("SpaceReclaimed").asLong());
        assertEquals(List.of("wait NEXT_EXIT", "top aux", "update web memory=67108864", "prune false"), calls);
    }

    @Test
    void logsNeedAStream() throws Exception {
        RouteHarness.Reply r = api.get("/containers/web/logs");
        assertEquals(400, r.status());
        assertEquals("Bad parameters: you must choose at least one stream", r.message());
    }
}
