package dev.berth.api.container;

import dev.berth.api.Json;
import dev.berth.api.RouteHarness;
import dev.berth.container.ContainerArchives;
import dev.berth.errors.EngineException;
import dev.berth.files.PathStat;
import dev.berth.image.CommitRequest;
import dev.berth.image.Image;
import dev.berth.image.ImageConfig;
import dev.berth.rootfs.Changes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The archive, diff and commit routes over a fake backend: what they decode, the call they make, what they answer. */
class ArchiveRoutesTest {

    private static final PathStat STAT = new PathStat("f", 5, 0644, "2026-01-01T00:00:00Z", "");
    private final List<String> calls = new ArrayList<>();
    private CommitRequest committed;

    private final ContainerArchives archives = new ContainerArchives() {
        @Override
        public PathStat stat(String ref, String path) {
            calls.add("stat " + ref + " " + path);
            known(ref);
            return STAT;
        }

        @Override
        public void archive(String ref, String path, Function<PathStat, OutputStream> open) throws IOException {
            known(ref);
            calls.add("archive " + ref + " " + path);
            try (OutputStream out = open.apply(STAT)) {
                out.write("tar of f".getBytes(StandardCharsets.UTF_8));
            }
        }

        @Override
        public void extract(String ref, String path, InputStream tar, boolean noOverwriteDirNonDir, boolean copyOwner) throws IOException {
            known(ref);
            calls.add("extract " + ref + " " + path + " noOverwrite=" + noOverwriteDirNonDir + " owner=" + copyOwner + " "
                    + new String(tar.readAllBytes(), StandardCharsets.UTF_8));
        }

        @Override
        public void export(String ref, OutputStream out) throws IOException {
            known(ref);
            out.write("whole fs".getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public List<Changes.Change> changes(String ref) {
            known(ref);
            return List.of(new Changes.Change("/etc", 'C'), new Changes.Change("/etc/new", 'A'), new Changes.Change("/gone", 'D'));
        }

        @Override
        public Image commit(String ref, CommitRequest request, boolean pause) {
            known(ref);
            committed = request;
            calls.add("commit " + ref + " pause=" + pause);
            ImageConfig config = ImageConfig.parse("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(StandardCharsets.UTF_8));
            return new Image(config, List.of(), List.of(), 0, Instant.EPOCH, "", false);
        }

        private static void known(String ref) {
            if (!ref.equals("web")) {
                throw EngineException.notFound("No such container: " + ref);
            }
        }
    };

    private final RouteHarness api = RouteHarness.serve(new ArchiveRoutes(archives));

    @AfterEach
    void close() throws Exception {
        api.close();
    }

    @Test
    void statAndArchiveCarryThePathStatHeaderAndRelativePathsAreFromTheRoot() throws Exception {
        RouteHarness.Reply head = api.send("HEAD", "/containers/web/archive?path=etc/f", null);
        assertEquals(200, head.status());
        String stat = new String(Base64.getDecoder().decode(head.header("X-Docker-Container-Path-Stat")), StandardCharsets.UTF_8);
        assertTrue(stat.contains("\"name\":\"f\"") && stat.contains("\"size\":5"), stat);

        RouteHarness.Reply get = api.get("/v1.41/containers/web/archive?path=/etc/f");
        assertEquals(200, get.status());
        assertEquals("tar of f", get.body());
        assertEquals("application/x-tar", get.header("Content-Type"));
        assertEquals(head.header("X-Docker-Container-Path-Stat"), get.header("X-Docker-Container-Path-Stat"));
        assertEquals(List.of("stat web /etc/f", "archive web /etc/f"), calls);
    }

    @Test
    void extractHandsOverTheBodyAndItsFlags() throws Exception {
        RouteHarness.Reply put = api.send("PUT", "/containers/web/archive?path=/tmp&noOverwriteDirNonDir=1&copyUIDGID=true",
                "tar bytes".getBytes(StandardCharsets.UTF_8), "application/x-tar");
        assertEquals(200, put.status(), put.body());
        assertEquals(List.of("extract web /tmp noOverwrite=true owner=true tar bytes"), calls);
    }

    @Test
    void badInputAndUnknownContainersAnswerAsDockerd() throws Exception {
        RouteHarness.Reply empty = api.get("/containers/web/archive?path=");
        assertEquals(400, empty.status());
        assertEquals("Path cannot be empty", empty.message());
        RouteHarness.Reply missing = api.get("/containers/nosuch/archive?path=/etc");
        assertEquals(404, missing.status());
        assertEquals("No such container: nosuch", missing.message());
        assertEquals(404, api.send("POST", "/commit", "{}").status());
        assertEquals(404, api.get("/containers/nosuch/export").status());
        assertEquals(List.of(), calls.stream().filter(c -> !c.startsWith("stat")).toList());
    }

    @Test
    void changesAreDockersKinds() throws Exception {
        RouteHarness.Reply r = api.get("/containers/web/changes");
        assertEquals(200, r.status());
        assertEquals(Json.MAPPER.readTree("[{\"Path\":\"/etc\",\"Kind\":0},{\"Path\":\"/etc/new\",\"Kind\":1},{\"Path\":\"/gone\",\"Kind\":2}]"),
                r.json());
    }

    @Test
    void exportStreamsTheTar() throws Exception {
        RouteHarness.Reply r = api.get("/containers/web/export");
        assertEquals(200, r.status());
        assertEquals("application/x-tar", r.header("Content-Type"));
        assertEquals("whole fs", r.body());
    }

    @Test
    void commitDecodesItsQueryAndBodyAndPausesByDefault() throws Exception {
        RouteHarness.Reply r = api.send("POST", "/commit?container=web&repo=shop/app&tag=v2&comment=hi&author=me&changes=ENV%20A%3D1",
                "{\"Cmd\":[\"true\"]}");
        assertEquals(201, r.status(), r.body());
        assertTrue(r.json().path("Id").asText().startsWith("sha256:"), r.body());
        assertEquals("docker.io/shop/app:v2", committed.reference().toString());
        assertEquals(List.of("ENV A=1"), committed.changes());
        assertEquals("hi", committed.comment());
        assertEquals("me", committed.author());
        assertEquals("[\"true\"]", committed.overrides().path("Cmd").toString());

        assertEquals(201, api.send("POST", "/commit?container=web&pause=0", null).status());
        assertTrue(committed.overrides().isEmpty());
        assertEquals(List.of("commit web pause=true", "commit web pause=false"), calls);
    }
}
