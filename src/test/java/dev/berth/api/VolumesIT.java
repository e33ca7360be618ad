package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Volumes with the docker CLI and the raw API (issue 16): named volumes shared between containers,
 * anonymous ones from {@code -v /path} and an image's VOLUME (filled from the image), removal rules,
 * the local driver's mount options, prune, and what survives a daemon restart and a host reboot.
 */
class VolumesIT extends ContainerTestBase {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RawHttp.Response api(String method, String path, String json) throws Exception {
        return RawHttp.request(daemon.socket(), method, path, Map.of("Content-Type", "application/json"),
                json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    private DockerCli.Result fails(String... args) throws Exception {
        DockerCli.Result r = docker.run(args);
        assertNotEquals(0, r.exitCode(), "docker " + String.join(" ", args) + " succeeded: " + r.stdout());
        return r;
    }

    private String volumes() throws Exception {
        return ok("volume", "ls", "-q").stdout().strip();
    }

    @Test
    void aNamedVolumeCarriesDataFromOneContainerToAnotherAndIsKeptWhileUsed() throws Exception {
        ok("run", "--name", "writer", "-v", "data:/data", "busybox", "sh", "-c", "echo hello > /data/greeting");
        assertEquals("hello", ok("run", "--rm", "-v", "data:/in:ro", "busybox", "cat", "/in/greeting").stdout().strip());
        assertTrue(fails("run", "--rm", "-v", "data:/in:ro", "busybox", "touch", "/in/x").stderr().contains("Read-only file system"));

        JsonNode v = JSON.readTree(ok("volume", "inspect", "data").stdout()).get(0);
        assertEquals("local", v.path("Driver").asText());
        assertEquals("local", v.path("Scope").asText());
        assertEquals(daemon.dir().resolve("root/volumes/data/_data").toString(), v.path("Mountpoint").asText());
        assertEquals("hello\n", Files.readString(Path.of(v.path("Mountpoint").asText(), "greeting")));
        assertTrue(ok("system", "df", "-v").stdout().lines().anyMatch(l -> l.matches("data\\s+1\\s+6B")), "df counts the volume, its user and size");
        JsonNode mount = JSON.readTree(ok("inspect", "writer").stdout()).get(0).path("Mounts").get(0);
        assertEquals("volume", mount.path("Type").asText());
        assertEquals("data", mount.path("Name").asText());
        assertEquals("/data", mount.path("Destination").asText());

        String inUse = fails("volume", "rm", "data").stderr();
        assertTrue(inUse.contains("remove data: volume is in use - [") && inUse.contains(ok("inspect", "-f", "{{.Id}}", "writer").stdout().strip()), inUse);
        assertEquals("", ok("volume", "ls", "-q", "--filter", "dangling=true").stdout().strip());
        ok("rm", "-v", "writer");
        assertEquals("data", volumes(), "rm -v keeps named volumes");
        assertEquals("data", ok("volume", "ls", "-q", "--filter", "dangling=true").stdout().strip());
        ok("volume", "rm", "data");
        assertEquals("", volumes());
        assertTrue(fails("volume", "inspect", "data").stderr().contains("get data: no such volume"));
    }

    @Test
    void anImageVolumeIsAnAnonymousVolumeFilledFromTheImageAndGoesWithTheContainer() throws Exception {
        ok("run", "--name", "seed", "busybox", "sh", "-c", "echo seeded > /home/user/file && chown 1000:1000 /home/user/file");
        ok("commit", "-c", "VOLUME /home/user", "seed", "withvol:1");
        ok("run", "--name", "first", "withvol:1", "sh", "-c", "echo more >> /home/user/file");
        String anonymous = volumes();
        assertEquals(64, anonymous.length(), "one anonymous volume: " + anonymous);
        JsonNode v = JSON.readTree(ok("volume", "inspect", anonymous).stdout()).get(0);
        assertTrue(v.path("Labels").has("com.docker.volume.anonymous"), v.toString());
        Path file = Path.of(v.path("Mountpoint").asText(), "file");
        assertEquals("seeded\nmore\n", Files.readString(file));
        assertEquals(1000, Files.getAttribute(file, "unix:uid"), "the copy keeps the image's owner");
        assertEquals(1000, Files.getAttribute(file.getParent(), "unix:uid"));

        // --volumes-from carries the volume; rm -v of the first container leaves it to the second
        ok("run", "--name", "second", "--volumes-from", "first", "busybox", "cat", "/home/user/file");
        assertEquals("seeded\nmore", ok("logs", "second").stdout().strip());
        ok("rm", "-v", "first");
        assertEquals(anonymous, volumes(), "still used by the second container");
        ok("rm", "second");
        ok("volume", "prune", "-f");
        assertEquals("", volumes(), "prune removes an unused anonymous volume");

        // --rm removes its anonymous volumes, -v /path makes one, nocopy leaves it empty
        ok("run", "--rm", "-v", "/scratch", "withvol:1", "sh", "-c", "ls /scratch; cat /home/user/file");
        assertEquals("", volumes());
        assertEquals("", ok("run", "--rm", "--mount", "type=volume,dst=/home/user,volume-nocopy", "withvol:1", "ls", "/home/user")
                .stdout().strip());
        assertEquals("", volumes());
    }

    @Test
    void pruneTakesOnlyAnonymousVolumesUnlessToldAllAndOldClientsGetAll() throws Exception {
        ok("volume", "create", "--label", "keep=yes", "named1");
        ok("volume", "create", "named2");
        ok("create", "--name", "holder", "-v", "/anon", "busybox", "true");
        ok("rm", "holder");     // its anonymous volume stays (no -v)
        assertEquals(3, volumes().lines().count());
        ok("volume", "prune", "-f");
        assertEquals("named1\nnamed2", volumes());
        ok("volume", "prune", "-f", "--all", "--filter", "label!=keep");
        assertEquals("named1", volumes());
        RawHttp.Response old = api("POST", "/v1.41/volumes/prune", null);
        assertEquals(200, old.status(), old.bodyText());
        assertEquals("[\"named1\"]", JSON.readTree(old.body()).path("VolumesDeleted").toString(), "before API 1.42 prune takes named volumes too");
        assertEquals("", volumes());
    }

    @Test
    void badRequestsGetDockersStatusesAndMessages() throws Exception {
        assertTrue(fails("volume", "create", "a/b").stderr().contains("\"a/b\" includes invalid characters for a local volume name"));
        assertTrue(fails("run", "--rm", "-v", "bad$name:/x", "busybox", "true").stderr().contains("includes invalid characters"));
        assertTrue(fails("volume", "create", "--opt", "bogus=1", "v1").stderr().contains("invalid option: \"bogus\""));
        assertTrue(fails("volume", "create", "--opt", "type=tmpfs", "v1").stderr().contains("missing required option: \"device\""));
        assertTrue(fails("volume", "create", "--driver", "nfs-plugin", "v1").stderr().contains("create v1: error looking up volume plugin nfs-plugin: plugin \"nfs-plugin\" not found"));
        assertEquals("", volumes(), "no failed create made a volume");

        RawHttp.Response created = api("POST", "/volumes/create", "{\"Name\":\"raw\",\"Labels\":{\"a\":\"b\"}}");
        assertEquals(201, created.status(), created.bodyText());
        assertEquals("b", JSON.readTree(created.body()).path("Labels").path("a").asText());
        RawHttp.Response again = api("POST", "/volumes/create", "{\"Name\":\"raw\"}");
        assertEquals(201, again.status());
        assertEquals("b", JSON.readTree(again.body()).path("Labels").path("a").asText(), "an existing name answers that volume as it is");
        assertEquals(400, api("POST", "/volumes/create", "{\"Name\":\"../x\"}").status());
        assertEquals(400, api("POST", "/volumes/create", "{\"Labels\":[1]}").status());
        assertEquals(400, api("POST", "/volumes/create", "{\"Name\":\"x\"}").status(), "a one-character name");
        assertEquals(404, api("GET", "/volumes/nope", null).status());
        assertEquals(404, api("DELETE", "/volumes/nope", null).status());
        assertEquals(204, api("DELETE", "/volumes/nope?force=1", null).status());
        assertEquals(400, api("GET", "/volumes?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D", null).status());
        ok("create", "--name", "user", "-v", "raw:/r", "busybox", "true");
        RawHttp.Response inUse = api("DELETE", "/volumes/raw", null);
        assertEquals(409, inUse.status());
        assertTrue(inUse.bodyText().contains("volume is in use"), inUse.bodyText());
        assertEquals(409, api("DELETE", "/volumes/raw?force=1", null).status(), "force does not take a volume from its container");
    }

    @Test
    void localDriverOptionsMountWhileUsedAndVolumesOutliveDaemonKillsAndReboots() throws Exception {
        ok("volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=1m,uid=1000", "mem");
        ok("run", "-d", "--name", "holder", "-v", "mem:/m", "-v", "disk:/d", "busybox", "sleep", "300");
        Path memDir = daemon.dir().resolve("root/volumes/mem/_data");
        assertTrue(Files.readString(Path.of("/proc/mounts")).contains(memDir.toString()), "a tmpfs volume is mounted while used");
        assertEquals("1024", ok("exec", "holder", "sh", "-c", "df -k /m | tail -1 | awk '{print $2}'").stdout().strip());
        assertEquals("1000", ok("exec", "holder", "stat", "-c", "%u", "/m").stdout().strip());
        ok("exec", "holder", "sh", "-c", "echo kept > /d/f; echo gone > /m/f");

        daemon.process().destroyForcibly();
        assertTrue(daemon.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
        daemon = dev.berth.testing.BerthDaemon.startIn(daemon.dir(), daemonArgs());
        docker = DockerCli.against(daemon);
        assertEquals("disk\nmem", volumes());
        assertEquals("kept gone", ok("exec", "holder", "sh", "-c", "echo $(cat /d/f /m/f)").stdout().strip());

        rebootHost();
        assertEquals("disk\nmem", volumes());
        assertFalse(Files.readString(Path.of("/proc/mounts")).contains(memDir.toString()));
        ok("start", "holder");
        assertEquals("kept", ok("exec", "holder", "cat", "/d/f").stdout().strip());
        assertEquals("", ok("exec", "holder", "ls", "/m").stdout().strip(), "a tmpfs volume is empty after a reboot, as with dockerd");
        ok("rm", "-f", "holder");
        assertFalse(Files.readString(Path.of("/proc/mounts")).contains(memDir.toString()), "unmounted once no container uses it");
        ok("volume", "rm", "mem", "disk");
        assertFalse(Files.exists(daemon.dir().resolve("root/volumes/mem")));
    }
}
