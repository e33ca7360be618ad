package dev.berth.api.volume;

import dev.berth.api.RouteHarness;
import dev.berth.errors.EngineException;
import dev.berth.volume.Volume;
import dev.berth.volume.VolumeCreate;
import dev.berth.volume.Volumes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The volume routes over a fake backend: what they decode, the one call they make, what they answer. */
class VolumeRoutesTest {

    /** Volumes in memory; what the routes asked for is kept to be checked. */
    static final class FakeVolumes implements Volumes {
        final Map<String, Volume> byName = new LinkedHashMap<>();
        final List<String> calls = new ArrayList<>();

        @Override
        public List<Volume> list() {
            return List.copyOf(byName.values());
        }

        @Override
        public Volume get(String name) {
            Volume v = byName.get(name);
            if (v == null) {
                throw EngineException.notFound("get " + name + ": no such volume");
            }
            return v;
        }

        @Override
        public Path dir(String name) {
            return Path.of("/var/lib/berth/volumes", name, "_data");
        }

        @Override
        public Volume create(VolumeCreate request) {
            calls.add("create " + request);
            Volume v = new Volume(request.name(), "local", "2026-12-07T00:00:00Z", request.labels(), request.options());
            byName.put(v.name(), v);
            return v;
        }

        @Override
        public void remove(String name, boolean force) {
            calls.add("remove " + name + " force=" + force);
            if (name.equals("busy")) {
                throw EngineException.conflict("remove busy: volume is in use - [abc]");
            }
        }

        @Override
        public Pruned prune(Predicate<Volume> which) {
            List<String> gone = byName.values().stream().filter(which).map(Volume::name).toList();
            gone.forEach(byName::remove);
            return new Pruned(gone, 42);
        }

        @Override
        public long size(String name) {
            return 0;
        }

        @Override
        public List<String> usersOf(String name) {
            return List.of();
        }
    }

    private final FakeVolumes volumes = new FakeVolumes();
    private final RouteHarness api = RouteHarness.serve(new VolumeRoutes(volumes));

    @AfterEach
    void close() throws Exception {
        api.close();
    }

    @Test
    void createDecodesTheBodyAndAnswers201WithTheVolume() throws Exception {
        RouteHarness.Reply r = api.send("POST", "/v1.43/volumes/create", "{\"Name\":\"data\",\"Labels\":{\"a\":\"b\"},\"DriverOpts\":{\"type\":\"tmpfs\"}}");
        assertEquals(201, r.status(), r.body());
        assertEquals("data", r.json().path("Name").asText());
        assertEquals("/var/lib/berth/volumes/data/_data", r.json().path("Mountpoint").asText());
        assertEquals("b", r.json().path("Labels").path("a").asText());
        assertEquals(List.of("create " + new VolumeCreate("data", "", Map.of("type", "tmpfs"), Map.of("a", "b"))), volumes.calls);
    }

    @Test
    void aFieldOfTheWrongTypeIsA400NamingItAndNothingIsMade() throws Exception {
        RouteHarness.Reply r = api.send("POST", "/volumes/create", "{\"Name\":5}");
        assertEquals(400, r.status(), r.body());
        assertTrue(r.message().contains("Name"), r.message());
        assertEquals(List.of(), volumes.calls);
        RouteHarness.Reply cluster = api.send("POST", "/volumes/create", "{\"Name\":\"c\",\"ClusterVolumeSpec\":{}}");
        assertEquals(503, cluster.status(), cluster.body());
        assertTrue(cluster.message().contains("not a swarm manager"), cluster.message());
    }

    @Test
    void theBackendsErrorsKeepTheirStatusAndMessage() throws Exception {
        RouteHarness.Reply missing = api.get("/volumes/nope");
        assertEquals(404, missing.status());
        assertEquals("get nope: no such volume", missing.message());
        RouteHarness.Reply busy = api.send("DELETE", "/volumes/busy", null);
        assertEquals(409, busy.status());
        assertEquals("remove busy: volume is in use - [abc]", busy.message());
    }

    @Test
    void removeIs204AndPassesForce() throws Exception {
        assertEquals(204, api.send("DELETE", "/volumes/old?force=1", null).status());
        assertEquals(204, api.send("DELETE", "/volumes/old", null).status());
        assertEquals(List.of("remove old force=true", "remove old force=false"), volumes.calls);
    }

    @Test
    void listAndPruneApplyTheFilters() throws Exception {
        volumes.create(new VolumeCreate("keep", "", Map.of(), Map.of("tier", "db")));
        volumes.create(new VolumeCreate("scratch", "", Map.of(), Map.of()));
        RouteHarness.Reply list = api.get("/volumes?filters=%7B%22label%22%3A%5B%22tier%3Ddb%22%5D%7D");
        assertEquals(200, list.status(), list.body());
        assertEquals(1, list.json().path("Volumes").size(), list.body());
        assertEquals("keep", list.json().path("Volumes").get(0).path("Name").asText());
        assertEquals(0, list.json().path("Warnings").size());
        RouteHarness.Reply bad = api.get("/volumes?filters=%7B%22colour%22%3A%5B%22x%22%5D%7D");
        assertEquals(400, bad.status(), bad.body());
        // prune: the named volumes only with all=true (API 1.42 and later), as dockerd
        RouteHarness.Reply pruned = api.send("POST", "/v1.43/volumes/prune?filters=%7B%22all%22%3A%5B%22true%22%5D%2C%22label!%22%3A%5B%22tier%22%5D%7D", null);
        assertEquals(200, pruned.status(), pruned.body());
        assertEquals("[\"scratch\"]", pruned.json().path("VolumesDeleted").toString());
        assertEquals(42, pruned.json().path("SpaceReclaimed").asLong());
    }
}
