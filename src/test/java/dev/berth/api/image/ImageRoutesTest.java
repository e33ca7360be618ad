package dev.berth.api.image;

import dev.berth.api.RouteHarness;
import dev.berth.errors.EngineException;
import dev.berth.host.HostFacts;
import dev.berth.image.Digest;
import dev.berth.image.Image;
import dev.berth.image.ImageReference;
import dev.berth.image.ImageStore;
import dev.berth.image.Images;
import dev.berth.image.ImportRequest;
import dev.berth.image.Platform;
import dev.berth.registry.Distribution;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image routes that need no registry, over a fake store: what they decode, the call they make, what they answer. */
class ImageRoutesTest {

    private static final Digest ID = Digest.of("config".getBytes(StandardCharsets.UTF_8));

    private final List<String> calls = new ArrayList<>();

    private final Images images = new Images() {
        @Override
        public List<Image> list() {
            return List.of();
        }

        @Override
        public Image get(String nameOrId) {
            throw EngineException.notFound("No such image: " + nameOrId);
        }

        @Override
        public Path layerPath(Digest diffId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long layerSize(Digest diffId) {
            return 0;
        }

        @Override
        public List<String> load(InputStream archive) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void save(List<String> names, OutputStream out) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Image importRootfs(InputStream tar, ImportRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void tag(String source, ImageReference target) {
            calls.add("tag " + source + " " + target);
        }

        @Override
        public Removal remove(String nameOrId, boolean force, boolean prune) {
            calls.add("remove " + nameOrId + " force=" + force + " prune=" + prune);
            if (nameOrId.equals("busy")) {
                throw EngineException.conflict("conflict: unable to delete " + ID.shortHex() + " (cannot be forced) - image is being used by running container abc");
            }
            return new Removal(List.of("app:v1"), List.of(ID));
        }

        @Override
        public Pruned prune(boolean all, Predicate<Image> filter) {
            calls.add("prune all=" + all);
            return new Pruned(List.of(), List.of(), 0);
        }
    };

    @TempDir
    Path dir;
    private RouteHarness api;

    @BeforeEach
    void serve() throws Exception {
        // the registry side is real but unused here: these routes never reach a registry
        Distribution distribution = Distribution.open(new ImageStore(dir), dir, new Platform("linux", "amd64", ""), List.of(), dir, List.of());
        api = RouteHarness.serve(new ImageRoutes(images, distribution, HostFacts.read(), "overlay2"));
    }

    @AfterEach
    void close() throws Exception {
        api.close();
    }

    @Test
    void tagParsesTheTargetAndAnswers201() throws Exception {
        assertEquals(201, api.send("POST", "/images/busybox/tag?repo=localhost:5000/app&tag=v1", null).status());
        assertEquals(201, api.send("POST", "/images/busybox/tag?repo=app", null).status());
        RouteHarness.Reply none = api.send("POST", "/images/busybox/tag", null);
        assertEquals(400, none.status());
        assertEquals("repository name (repo) must not be empty", none.message());
        RouteHarness.Reply upper = api.send("POST", "/images/busybox/tag?repo=App", null);
        assertEquals(400, upper.status(), upper.body());
        assertEquals(List.of("tag busybox localhost:5000/app:v1", "tag busybox docker.io/library/app:latest"), calls);
    }

    @Test
    void removeListsWhatWentInDockersOrderAndKeepsTheBackendsConflict() throws Exception {
        RouteHarness.Reply r = api.send("DELETE", "/images/app:v1?force=1&noprune=1", null);
        assertEquals(200, r.status(), r.body());
        assertEquals("[{\"Untagged\":\"app:v1\"},{\"Deleted\":\"" + ID + "\"}]", r.json().toString());
        RouteHarness.Reply busy = api.send("DELETE", "/images/busy", null);
        assertEquals(409, busy.status());
        assertTrue(busy.message().contains("being used by running container"), busy.message());
        assertEquals(List.of("remove app:v1 force=true prune=false", "remove busy force=false prune=true"), calls);
    }

    @Test
    void pruneTakesDanglingFalseAsAllAndRefusesUnknownFilters() throws Exception {
        RouteHarness.Reply r = api.send("POST", "/images/prune?filters=%7B%22dangling%22%3A%5B%22false%22%5D%7D", null);
        assertEquals(200, r.status(), r.body());
        assertTrue(r.json().path("ImagesDeleted").isNull(), r.body());
        assertEquals(0, r.json().path("SpaceReclaimed").asLong());
        assertEquals(400, api.send("POST", "/images/prune?filters=%7B%22colour%22%3A%5B%22x%22%5D%7D", null).status());
        assertEquals(List.of("prune all=true"), calls);
        assertEquals(404, api.get("/images/nothing/json").status());
    }
}
