package dev.berth.api.image;

import dev.berth.api.RouteHarness;
import dev.berth.errors.EngineException;
import dev.berth.host.HostFacts;
import dev.berth.image.Digest;
import dev.berth.image.Image;
import dev.berth.image.ImageReference;
import dev.berth.image.Images;
import dev.berth.image.ImportRequest;
import dev.berth.image.Platform;
import dev.berth.registry.Credentials;
import dev.berth.registry.ImageTransfers;
import dev.berth.registry.TransferEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image routes over a fake store and fake registry transfers: what they decode, the call they make, what they answer. */
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

    /** A pull of {@code missing} fails before anything moves; one of {@code broken} fails after its first layer. */
    private final ImageTransfers transfers = new ImageTransfers() {
        @Override
        public Platform platform() {
            return new Platform("linux", "amd64", "");
        }

        @Override
        public Transfer pull(ImageReference ref, Platform platform, Credentials creds) {
            calls.add("pull " + ref + " " + platform + " user=" + creds.username());
            if (ref.path().endsWith("missing")) {
                throw EngineException.notFound("manifest for " + ref.familiar() + " not found");
            }
            return progress -> {
                progress.report(new TransferEvent.Status("Pulling from " + ref.familiarRepository(), ref.tag()));
                progress.report(new TransferEvent.LayerStep("0123456789ab", "Pulling fs layer"));
                progress.report(new TransferEvent.LayerBytes("0123456789ab", "Downloading", 1500, 3000));
                if (ref.path().endsWith("broken")) {
                    throw new java.io.IOException("the download of layer sha256:01 was cut short after 1500 of 3000 bytes");
                }
                progress.report(new TransferEvent.LayerStep("0123456789ab", "Pull complete"));
                progress.report(new TransferEvent.Status("Status: Downloaded newer image for " + ref.familiar(), null));
            };
        }

        @Override
        public Transfer push(String repository, String tag, Credentials creds) {
            calls.add("push " + repository + " tag=" + tag);
            return progress -> progress.report(new TransferEvent.Pushed(tag, ID, 527));
        }

        @Override
        public RemoteImage inspect(ImageReference ref, Credentials creds) {
            calls.add("inspect " + ref);
            return new RemoteImage("application/vnd.oci.image.index.v1+json", ID, 312,
                    List.of(new Platform("linux", "arm", "v7"), new Platform("linux", "amd64", "")));
        }

        @Override
        public String login(String domain, Credentials creds) {
            calls.add("login " + domain + " " + creds.username());
            return "";
        }
    };

    private RouteHarness api;

    @BeforeEach
    void serve() throws Exception {
        api = RouteHarness.serve(new ImageRoutes(images, transfers, HostFacts.read(), "overlay2"));
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

    @Test
    void pullStreamsEachEventAsDockersMessageAndAFailureOnceStartedAsTheLastOne() throws Exception {
        RouteHarness.Reply r = api.send("POST", "/images/create?fromImage=localhost:5000/app&tag=v1&platform=linux/arm64", null);
        assertEquals(200, r.status(), r.body());
        assertEquals(String.join("\n",
                "{\"status\":\"Pulling from localhost:5000/app\",\"id\":\"v1\"}",
                "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"0123456789ab\"}",
                "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":1500,\"total\":3000},\"id\":\"0123456789ab\","
                        + "\"progress\":\"[" + "=".repeat(24) + ">" + " ".repeat(25) + "] 1.50kB/3.00kB\"}",
                "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"0123456789ab\"}",
                "{\"status\":\"Status: Downloaded newer image for localhost:5000/app:v1\"}", ""), r.body());

        RouteHarness.Reply broken = api.send("POST", "/images/create?fromImage=localhost:5000/broken", null);
        assertEquals(200, broken.status(), broken.body());
        String last = broken.body().lines().reduce((a, b) -> b).orElseThrow();
        String cut = "the download of layer sha256:01 was cut short after 1500 of 3000 bytes";
        assertEquals(cut, dev.berth.api.Json.MAPPER.readTree(last).path("error").asText(), last);
        assertEquals(cut, dev.berth.api.Json.MAPPER.readTree(last).path("errorDetail").path("message").asText(), last);
        assertEquals(List.of("pull localhost:5000/app:v1 linux/arm64 user=", "pull localhost:5000/broken:latest linux/amd64 user="), calls);
    }

    @Test
    void aPullThatFailsBeforeAnythingMovesIsAPlainError() throws Exception {
        RouteHarness.Reply r = api.send("POST", "/images/create?fromImage=missing&tag=v2", null);
        assertEquals(404, r.status(), r.body());
        assertEquals("manifest for missing:v2 not found", r.message());
    }

    @Test
    void pushEndsWithTheTagsDigestLineAndItsAux() throws Exception {
        RouteHarness.Reply r = api.send("POST", "/images/localhost:5000/app/push?tag=v1", null);
        assertEquals(200, r.status(), r.body());
        assertEquals("{\"status\":\"v1: digest: " + ID + " size: 527\"}\n"
                + "{\"progressDetail\":{},\"aux\":{\"Tag\":\"v1\",\"Digest\":\"" + ID + "\",\"Size\":527}}\n", r.body());
        assertEquals(List.of("push localhost:5000/app tag=v1"), calls);
    }

    @Test
    void distributionShowsTheDescriptorAndPlatformsAsDockerd() throws Exception {
        RouteHarness.Reply r = api.send("GET", "/distribution/localhost:5000/app/json", null);
        assertEquals(200, r.status(), r.body());
        assertEquals("{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" + ID + "\",\"size\":312}",
                r.json().path("Descriptor").toString());
        assertEquals("[{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"},{\"architecture\":\"amd64\",\"os\":\"linux\"}]",
                r.json().path("Platforms").toString());
        assertEquals(List.of("inspect localhost:5000/app:latest"), calls);
    }
}
