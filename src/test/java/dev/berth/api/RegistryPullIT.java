package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.BerthDaemon;
import dev.berth.testing.BusyboxImage;
import dev.berth.testing.DockerCli;
import dev.berth.testing.FaultyProxy;
import dev.berth.testing.LocalRegistry;
import dev.berth.testing.RawHttp;
import dev.berth.testing.TokenServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker pull from a real registry on 127.0.0.1 (issue 15): manifests, indexes, progress, digests, errors. */
class RegistryPullIT extends ContainerTestBase {

    private LocalRegistry registry;
    private Path archive;

    @BeforeEach
    void startRegistry() throws Exception {
        registry = LocalRegistry.start(daemon.dir().resolve("registry"));
        archive = daemon.dir().resolve("busybox.tar");
    }

    @AfterEach
    void stopRegistry() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }

    /** busybox with a second layer on top: a pull finds the first in the store and fetches the second. */
    private Path layered() throws Exception {
        return layered(42);
    }

    /** As {@link #layered()}, with other noise: a layer no registry has seen yet. */
    private Path layered(long seed) throws Exception {
        java.io.ByteArrayOutputStream extra = new java.io.ByteArrayOutputStream();
        try (var tar = BusyboxImage.tar(extra)) {
            BusyboxImage.dir(tar, "etc/", 0755, 0);
            BusyboxImage.file(tar, "etc/motd", "pulled\n".getBytes(StandardCharsets.UTF_8), 0644);
            byte[] noise = new byte[128 * 1024];     // incompressible: the layer's blob is large enough to cut midway
            new java.util.Random(seed).nextBytes(noise);
            BusyboxImage.file(tar, "etc/noise", noise, 0644);
        }
        return Files.write(daemon.dir().resolve("layered-" + seed + ".tar"),
                BusyboxImage.archive(java.util.List.of(BusyboxImage.rootfs(), extra.toByteArray()), "[\"sh\"]", "layered:1"));
    }

    @Test
    void pullShowsProgressRecordsDigestsAndRunPullsWhatIsMissing() throws Exception {
        registry.copy(layered(), "busybox:latest", "v2s2");
        registry.copy(archive, "oci-busybox:1", "oci");
        String name = registry.host() + "/busybox";
        DockerCli.Result pull = ok("pull", name);
        assertTrue(pull.stdout().contains("Already exists") && pull.stdout().contains("Pull complete"), pull.stdout());
        assertTrue(pull.stdout().matches("(?s).*Digest: sha256:[0-9a-f]{64}\n.*"), pull.stdout());
        assertTrue(pull.stdout().contains("Status: Downloaded newer image for " + name + ":latest"), pull.stdout());
        assertTrue(ok("pull", name).stdout().contains("Status: Image is up to date for " + name + ":latest"));
        String digest = pull.stdout().replaceAll("(?s).*Digest: (sha256:[0-9a-f]{64}).*", "$1");
        assertEquals("[\"" + name + "@" + digest + "\"]", ok("image", "inspect", "-f", "{{json .RepoDigests}}", name).stdout().strip());
        assertTrue(ok("images", "--digests", "--format", "{{.Repository}} {{.Digest}}").stdout().contains(name + " " + digest));
        assertEquals("pulled\n", ok("run", "--rm", name, "cat", "/etc/motd").stdout());

        // docker run of an image that is not there pulls it (an OCI manifest this time), then runs it
        DockerCli.Result run = ok("run", "--rm", registry.host() + "/oci-busybox:1", "echo", "from-the-registry");
        assertTrue(run.stderr().contains("Unable to find image"), run.stderr());
        assertTrue(run.stdout().endsWith("from-the-registry\n"), run.stdout());

        // zstd-compressed layers
        registry.copy(layered(7), "zstd:1", "oci-zstd");
        var zstdManifest = registry.manifest("zstd", "1", "application/vnd.oci.image.manifest.v1+json");
        assertTrue(new String(zstdManifest.body(), StandardCharsets.UTF_8).contains("tar+zstd"), "skopeo made zstd layers");
        ok("pull", registry.host() + "/zstd:1");
        assertEquals("pulled\n", ok("run", "--rm", registry.host() + "/zstd:1", "cat", "/etc/motd").stdout());

        // by digest: the image is known by that digest alone
        ok("rmi", name);
        ok("pull", name + "@" + digest);
        assertEquals("hi\n", ok("run", "--rm", name + "@" + digest, "echo", "hi").stdout());
        try (Stream<Path> tmp = Files.list(daemon.dir().resolve("root/image/tmp"))) {
            assertEquals(0, tmp.count(), "temporary files left behind");
        }
    }

    @Test
    void anIndexGivesThisHostsPlatformAndNamesWhatItOffersOtherwise() throws Exception {
        registry.copy(archive, "multi:amd64", "oci");
        var m = registry.manifest("multi", "amd64", "application/vnd.oci.image.manifest.v1+json");
        String manifestDigest = "sha256:" + BusyboxImage.sha256(m.body());
        String entry = "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifestDigest
                + "\",\"size\":" + m.body().length + ",\"platform\":{\"architecture\":\"%s\",\"os\":\"linux\"}}";
        String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + entry.formatted("arm64") + "," + entry.formatted("amd64") + "]}";
        registry.putManifest("multi", "latest", "application/vnd.oci.image.index.v1+json", index.getBytes(StandardCharsets.UTF_8));
        String name = registry.host() + "/multi";
        ok("pull", name);
        assertEquals("hi\n", ok("run", "--rm", name, "echo", "hi").stdout());
        RawHttp.Response other = RawHttp.request(daemon.socket(), "POST",
                "/images/create?fromImage=" + name + "&tag=latest&platform=linux/s390x", Map.of(), null);
        assertEquals(404, other.status(), other.bodyText());
        assertTrue(other.bodyText().contains("no matching manifest for linux/s390x") && other.bodyText().contains("linux/arm64, linux/amd64"),
                other.bodyText());

        // GET /distribution/{name}/json: the index's descriptor and its platforms; an image's, its config's one
        JsonNode listed = Json.MAPPER.readTree(RawHttp.request(daemon.socket(), "GET", "/distribution/" + name + "/json", Map.of(), null).body());
        assertEquals("application/vnd.oci.image.index.v1+json", listed.at("/Descriptor/mediaType").asText(), listed.toString());
        assertEquals("sha256:" + BusyboxImage.sha256(index.getBytes(StandardCharsets.UTF_8)), listed.at("/Descriptor/digest").asText());
        assertEquals(index.length(), listed.at("/Descriptor/size").asLong());
        assertEquals("[{\"architecture\":\"arm64\",\"os\":\"linux\"},{\"architecture\":\"amd64\",\"os\":\"linux\"}]",
                listed.path("Platforms").toString());
        RawHttp.Response one = RawHttp.request(daemon.socket(), "GET", "/v1.41/distribution/" + name + ":amd64/json", Map.of(), null);
        assertEquals(200, one.status(), one.bodyText());
        JsonNode image = Json.MAPPER.readTree(one.body());
        assertEquals(manifestDigest, image.at("/Descriptor/digest").asText());
        assertEquals(m.body().length, image.at("/Descriptor/size").asLong());
        assertEquals("[{\"architecture\":\"amd64\",\"os\":\"linux\"}]", image.path("Platforms").toString());
        assertEquals(404, RawHttp.request(daemon.socket(), "GET", "/distribution/" + registry.host() + "/nothing:1/json", Map.of(), null)
                .status());
    }

    @Test
    void pushSendsWhatIsMissingAndTheImageComesBack() throws Exception {
        String name = registry.host() + "/pushed:1";
        ok("tag", "busybox", name);
        DockerCli.Result push = ok("push", name);
        assertTrue(push.stdout().contains("The push refers to repository [" + registry.host() + "/pushed]"), push.stdout());
        assertTrue(push.stdout().contains("Pushed"), push.stdout());
        assertTrue(push.stdout().matches("(?s).*1: digest: sha256:[0-9a-f]{64} size: \\d+.*"), push.stdout());
        String digest = push.stdout().replaceAll("(?s).*digest: (sha256:[0-9a-f]{64}).*", "$1");
        assertTrue(ok("push", name).stdout().contains("Layer already exists"), "pushed again: nothing is sent");
        // the registry has it: another tool reads it, and it comes back whole
        var manifest = registry.manifest("pushed", "1", "application/vnd.docker.distribution.manifest.v2+json");
        assertEquals(200, manifest.statusCode());
        assertEquals(digest, manifest.headers().firstValue("Docker-Content-Digest").orElse(""));
        ok("rmi", name);
        ok("pull", name);
        assertEquals("back\n", ok("run", "--rm", name, "echo", "back").stdout());
        // a layer pulled from one repository is mounted into another of the same registry, by the digest it came with
        String other = registry.host() + "/elsewhere:2";
        ok("tag", name, other);
        assertTrue(ok("push", other).stdout().contains("Mounted from pushed"), "mounted, not uploaded again");
        DockerCli.Result none = docker.run("push", registry.host() + "/never:1");
        assertEquals(1, none.exitCode());
        assertTrue(none.stderr().contains("No such image") || none.stderr().contains("does not exist"), none.stderr());
    }

    @Test
    void aFailingRegistryGivesAClearErrorLeavesNothingAndARetryWorks() throws Exception {
        registry.copy(layered(), "faulty:1", "v2s2");
        try (FaultyProxy proxy = new FaultyProxy(registry.host())) {
            String name = proxy.host() + "/faulty:1";
            Map<FaultyProxy.Fault, String> expected = Map.of(
                    FaultyProxy.Fault.CUT_BLOB, "cut short",
                    FaultyProxy.Fault.FLIP_BLOB_BYTE, "digest",
                    FaultyProxy.Fault.TOO_MANY_REQUESTS, "toomanyrequests",
                    FaultyProxy.Fault.HUGE_MANIFEST, "larger than",
                    FaultyProxy.Fault.NOT_AN_IMAGE, "not an image manifest");
            for (var e : expected.entrySet()) {
                proxy.fault(e.getKey());
                DockerCli.Result r = docker.run("pull", name);
                assertEquals(1, r.exitCode(), e.getKey() + ": " + r.stdout());
                assertTrue((r.stdout() + r.stderr()).contains(e.getValue()), e.getKey() + ": " + r.stdout() + r.stderr());
                try (Stream<Path> tmp = Files.list(daemon.dir().resolve("root/image/tmp"))) {
                    assertEquals(0, tmp.count(), e.getKey() + ": temporary files left behind");
                }
                assertEquals(1, docker.run("image", "inspect", name).exitCode(), e.getKey() + ": a half image");
            }
            // a connection that drops once mid-layer: the download picks up where it broke off
            proxy.fault(FaultyProxy.Fault.CUT_BLOB_ONCE);
            assertTrue(ok("pull", name).stdout().contains("Pull complete"));
            assertTrue(proxy.rangeRequests() > 0, "resumed with a Range request");
            assertEquals("pulled\n", ok("run", "--rm", name, "cat", "/etc/motd").stdout());
        }
    }

    @Test
    void loginAndLogoutAgainstARegistryWithBasicAuth() throws Exception {
        try (LocalRegistry locked = LocalRegistry.start(daemon.dir().resolve("locked"), "berth", "s3cret")) {
            locked.copy(archive, "private:1", "v2s2", "berth:s3cret");
            String name = locked.host() + "/private:1";
            DockerCli.Result anonymous = docker.run("pull", name);
            assertEquals(1, anonymous.exitCode());
            assertTrue(anonymous.stderr().contains("pull access denied for " + locked.host() + "/private"), anonymous.stderr());
            DockerCli.Result wrong = docker.run("login", "-u", "berth", "-p", "wrong", locked.host());
            assertEquals(1, wrong.exitCode());
            assertTrue(wrong.stderr().contains("unauthorized"), wrong.stderr());
            assertTrue(ok("login", "-u", "berth", "-p", "s3cret", locked.host()).stdout().contains("Login Succeeded"));
            assertTrue(ok("pull", name).stdout().contains("Status: Downloaded newer image for " + name));
            ok("logout", locked.host());
            ok("rmi", name);
            assertEquals(1, docker.run("pull", name).exitCode(), "logged out: refused again");
            assertTrue(!daemon.log().contains("s3cret"), "a password in the daemon's log");
        }
    }

    @Test
    void theBearerTokenFlowWithCredentialsForPullPushAndLogin() throws Exception {
        try (TokenServer tokens = new TokenServer(daemon.dir().resolve("tokens"), "berth", "t0ken");
             LocalRegistry hub = LocalRegistry.withTokens(daemon.dir().resolve("hub"), tokens)) {
            hub.copy(archive, "team/app:1", "v2s2", "berth:t0ken");
            String name = hub.host() + "/team/app:1";
            DockerCli.Result anonymous = docker.run("pull", name);
            assertEquals(1, anonymous.exitCode(), anonymous.stdout());
            assertTrue(anonymous.stderr().contains("pull access denied"), anonymous.stderr());
            assertEquals(1, docker.run("login", "-u", "berth", "-p", "nope", hub.host()).exitCode());
            assertTrue(ok("login", "-u", "berth", "-p", "t0ken", hub.host()).stdout().contains("Login Succeeded"));
            // the login gave an identity token (the token server's refresh token), which the CLI keeps instead of the password
            String config = Files.readString(Path.of(docker.environment().get("DOCKER_CONFIG"), "config.json"));
            assertTrue(config.contains("identitytoken") && !config.contains(java.util.Base64.getEncoder().encodeToString(
                    "berth:t0ken".getBytes(StandardCharsets.UTF_8))), config);
            assertTrue(ok("pull", name).stdout().contains("Status: Downloaded newer image for " + name));
            ok("tag", name, hub.host() + "/team/copy:2");
            assertTrue(ok("push", hub.host() + "/team/copy:2").stdout().contains("2: digest: sha256:"));
            assertTrue(tokens.refreshed() > 0, "the pull and push traded the identity token for tokens");
            assertTrue(!daemon.log().contains("t0ken"), "a password in the daemon's log");
        }
    }

    @Test
    void aLoopbackRegistryThatSpeaksTlsIsPulledFromOverTls() throws Exception {
        try (LocalRegistry tls = LocalRegistry.withTls(daemon.dir().resolve("tls"))) {
            tls.copy(archive, "secure:1", "v2s2");
            String name = tls.host() + "/secure:1";
            assertTrue(ok("pull", name).stdout().contains("Status: Downloaded newer image for " + name));
            assertEquals("tls\n", ok("run", "--rm", name, "echo", "tls").stdout());
        }
        String info = ok("info", "--format", "{{json .RegistryConfig}}").stdout();
        assertTrue(info.contains("\"InsecureRegistryCIDRs\":[\"127.0.0.0/8\""), info);
    }

    @Test
    void aClientCertificateFromTheCertsDirectoryIsPresented() throws Exception {
        Path certsD = Files.createDirectories(daemon.dir().resolve("certs.d"));
        assertEquals(0, daemon.stop());
        daemon = BerthDaemon.startIn(daemon.dir(), "--registry-certs-dir", certsD.toString());
        docker = DockerCli.against(daemon);
        try (LocalRegistry mtls = LocalRegistry.withClientCerts(daemon.dir().resolve("mtls"))) {
            mtls.copy(archive, "mine:1", "v2s2");
            String name = mtls.host() + "/mine:1";
            assertEquals(1, docker.run("pull", name).exitCode(), "no client certificate: refused");
            Path hostDir = Files.createDirectories(certsD.resolve(mtls.host()));
            for (String f : new String[] {"client.cert", "client.key", "ca.crt"}) {
                Files.copy(mtls.clientCerts().resolve(f), hostDir.resolve(f));
            }
            assertTrue(ok("pull", name).stdout().contains("Status: Downloaded newer image for " + name));
        }
    }

    @Test
    void dockerHubNamesArePulledFromAMirror() throws Exception {
        assertEquals(0, daemon.stop());
        daemon = BerthDaemon.startIn(daemon.dir(), "--registry-mirror", "http://" + registry.host() + "/");
        docker = DockerCli.against(daemon);
        registry.copy(layered(), "library/mirrored:1", "v2s2");
        // only what the mirror has is asked for: nothing here may reach Docker Hub itself
        assertTrue(ok("pull", "mirrored:1").stdout().contains("Status: Downloaded newer image for mirrored:1"));
        assertEquals("pulled\n", ok("run", "--rm", "mirrored:1", "cat", "/etc/motd").stdout());
        assertTrue(ok("info", "--format", "{{json .RegistryConfig.Mirrors}}").stdout().contains("http://" + registry.host()));
    }

    @Test
    void whatIsNotThereIsAClearErrorAndProgressIsChunkedJson() throws Exception {
        DockerCli.Result missing = docker.run("pull", registry.host() + "/nothere:1");
        assertEquals(1, missing.exitCode());
        assertTrue(missing.stderr().contains("manifest for " + registry.host() + "/nothere:1 not found: manifest unknown"), missing.stderr());
        DockerCli.Result refused = docker.run("pull", "127.0.0.1:1/busybox");
        assertEquals(1, refused.exitCode());
        assertTrue(refused.stderr().contains("connection refused"), refused.stderr());

        registry.copy(archive, "busybox:latest", "v2s2");
        RawHttp.Response r = RawHttp.request(daemon.socket(), "POST", "/images/create?fromImage=" + registry.host() + "/busybox&tag=latest",
                Map.of(), null);
        assertEquals(200, r.status());
        assertEquals("chunked", r.header("transfer-encoding"));
        String[] messages = r.bodyText().split("\n");
        for (String line : messages) {
            JsonNode msg = Json.MAPPER.readTree(line);
            assertTrue(msg.has("status"), line);
        }
        assertTrue(messages[messages.length - 1].contains("Status: "), r.bodyText());
    }
}
