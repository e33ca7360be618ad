package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.testing.BusyboxImage;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What docker-py, docker-java and the CLI rely on (issue 13): each with the client and with the raw bytes. */
class ClientCompatIT extends ContainerTestBase {

    private static final Map<String, String> JSON_BODY = Map.of("Content-Type", "application/json");

    private String python(String... lines) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import docker").start();
        assumeTrue(probe.waitFor() == 0, "docker-py (Debian python3-docker) is not installed: skipping");
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-c", String.join("\n", lines)).redirectErrorStream(true);
        pb.environment().putAll(docker.environment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private RawHttp.Response api(String method, String path, String json) throws Exception {
        return RawHttp.request(daemon.socket(), method, path, JSON_BODY, json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void execStartFramingFollowsTheStartRequestsTty() throws Exception {
        ok("run", "-d", "--name", "box", "busybox", "sleep", "300");
        assertEquals("[b'hello out\\r\\n']\n", python("import docker",
                "c = docker.from_env().api",
                "e = c.exec_create('box', ['echo', 'hello out'], tty=True)",
                "print([c.exec_start(e['Id'])])"), "docker-py reads frames when it starts with Tty false");
        // the raw bytes: an exec created with a TTY, started with Tty false, comes multiplexed as stdout
        String id = Json.MAPPER.readTree(api("POST", "/containers/box/exec",
                "{\"Cmd\":[\"echo\",\"hi\"],\"Tty\":true,\"AttachStdout\":true}").body()).path("Id").asText();
        try (RawHttp c = new RawHttp(daemon.socket())) {
            c.sendRequest("POST", "/exec/" + id + "/start", Map.of("Content-Type", "application/json", "Connection", "Upgrade",
                    "Upgrade", "tcp"), "{\"Tty\":false}".getBytes(StandardCharsets.UTF_8));
            RawHttp.Response head = c.readHead();
            assertEquals(101, head.status());
            assertEquals("application/vnd.docker.multiplexed-stream", head.header("content-type"));
            assertEquals("[1, 0, 0, 0, 0, 0, 0, 4]", java.util.Arrays.toString(c.readExactly(8)));
            assertEquals("hi\r\n", new String(c.readExactly(4), StandardCharsets.UTF_8));
        }
        // a command that cannot be found: 126 to clients of dockerd 20.10's API (docker-py's test_exec_run_failed), 127 from 1.42
        assertEquals("126 127 126\n", python("import docker",
                "old = docker.from_env(version='1.41').containers.get('box')",
                "new = docker.from_env(version='1.42').containers.get('box')",
                "print(old.exec_run('docker ps')[0], new.exec_run('docker ps')[0], old.exec_run('/etc/passwd')[0])"));
    }

    @Test
    void jsonMessageStreamsAreChunkedOneMessagePerChunk() throws Exception {
        Path archive = Files.write(daemon.dir().resolve("two.tar"), BusyboxImage.archive("one:1", "two:2"));
        assertEquals("['one:1', 'two:2']\n", python("import docker",
                "c = docker.from_env()",
                "imgs = c.images.load(open('" + archive + "', 'rb').read())",
                "print(sorted(set(t for i in imgs for t in i.tags) & {'one:1', 'two:2'}))"));
        RawHttp.Response load = RawHttp.request(daemon.socket(), "POST", "/images/load", Map.of("Content-Type", "application/x-tar"),
                Files.readAllBytes(archive));
        assertEquals(200, load.status());
        assertEquals("chunked", load.header("transfer-encoding"));
        assertEquals(null, load.header("content-length"));
    }

    @Test
    void emptyCmdMeansTheImagesAndEntrypointRules() throws Exception {
        Path tar = Files.write(daemon.dir().resolve("cmd.tar"), BusyboxImage.archive(BusyboxImage.rootfs(), "[\"echo\",\"image-cmd\"]", "withcmd:1"));
        ok("load", "-i", tar.toString());
        // docker-java (so Testcontainers) always sends Cmd [] and Entrypoint as given
        RawHttp.Response created = api("POST", "/containers/create?name=jcmd", "{\"Image\":\"withcmd:1\",\"Cmd\":[],\"Entrypoint\":[]}");
        assertEquals(201, created.status(), created.bodyText());
        ok("start", "-a", "jcmd");
        assertEquals("image-cmd\n", ok("logs", "jcmd").stdout());
        assertEquals("[\"echo\",\"image-cmd\"]", ok("inspect", "-f", "{{json .Config.Cmd}}", "jcmd").stdout().strip());
        // Entrypoint [""] clears the image's entrypoint: the Cmd alone runs
        RawHttp.Response cleared = api("POST", "/containers/create?name=jep", "{\"Image\":\"withcmd:1\",\"Entrypoint\":[\"\"],\"Cmd\":[\"echo\",\"own\"]}");
        assertEquals(201, cleared.status(), cleared.bodyText());
        ok("start", "-a", "jep");
        assertEquals("own\n", ok("logs", "jep").stdout());
    }

    @Test
    void inspectShowsEveryConfigFieldAsDockerdDoes() throws Exception {
        RawHttp.Response created = api("POST", "/containers/create?name=bare", "{\"Image\":\"busybox\",\"Cmd\":\"true\"}");
        assertEquals(201, created.status(), created.bodyText());
        JsonNode c = Json.MAPPER.readTree(api("GET", "/containers/bare/json", null).body());
        assertEquals("[\"true\"]", c.at("/Config/Cmd").toString(), "a string Cmd is a one-element list");
        assertEquals("", c.at("/Config/User").asText("missing"), "what was not sent has Go's zero value");
        assertEquals(0, c.at("/HostConfig/Memory").asLong(-1));
        assertEquals("default", c.at("/HostConfig/NetworkMode").asText());
        assertEquals("json-file", c.at("/HostConfig/LogConfig/Type").asText());
        assertTrue(c.at("/HostConfig/PidsLimit").isMissingNode(), "a field whose absence means unlimited stays absent");
        assertEquals("", ok("inspect", "-f", "{{.Config.WorkingDir}}", "bare").stdout().strip());
        // Go's nil slices where nothing was sent and the image has none; the CLI sends the DNS lists empty
        for (String field : List.of("/Config/Entrypoint", "/HostConfig/Dns", "/HostConfig/DnsOptions", "/HostConfig/DnsSearch")) {
            assertTrue(c.at(field).isNull(), field + " is null, not missing or []: " + c.at(field));
        }
        ok("create", "--name", "bycli", "busybox", "true");
        assertEquals("[] [] [] null", ok("inspect", "-f", "{{json .HostConfig.Dns}} {{json .HostConfig.DnsOptions}} "
                + "{{json .HostConfig.DnsSearch}} {{json .Config.Entrypoint}}", "bycli").stdout().strip());
        ok("create", "--name", "withdns", "--dns", "127.0.0.1", "--entrypoint", "/bin/echo", "busybox", "hi");
        assertEquals("[\"127.0.0.1\"] [\"/bin/echo\"]", ok("inspect", "-f", "{{json .HostConfig.Dns}} {{json .Config.Entrypoint}}",
                "withdns").stdout().strip());
    }

    @Test
    void aCreateMeansWhatItMeantAtItsApiVersionAndInspectShowsWhatThatVersionShows() throws Exception {
        String check = "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000,\"StartInterval\":2000000000}";
        for (String[] v : new String[][] {{"1.38", "{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000}"},
                {"1.44", "{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000,\"StartInterval\":2000000000}"}}) {
            RawHttp.Response created = api("POST", "/v" + v[0] + "/containers/create?name=hc" + v[0],
                    "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]," + check + "}");
            assertEquals(201, created.status(), created.bodyText());
            JsonNode c = Json.MAPPER.readTree(api("GET", "/v" + v[0] + "/containers/hc" + v[0] + "/json", null).body());
            assertEquals(v[1], c.at("/Config/Healthcheck").toString(), "a " + v[0] + " client reads back the check it sent");
        }

        String bindWithVolumeOptions = "{\"Image\":\"busybox\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\","
                + "\"Target\":\"/t\",\"VolumeOptions\":{\"NoCopy\":true}}]}}";
        assertEquals(201, api("POST", "/v1.41/containers/create", bindWithVolumeOptions).status(), "ignored before 1.42");
        RawHttp.Response refused = api("POST", "/v1.47/containers/create", bindWithVolumeOptions);
        assertEquals(400, refused.status());
        assertEquals("VolumeOptions must not be specified on mount type \"bind\"", Json.MAPPER.readTree(refused.body()).path("message").asText());
        for (String[] needsNewer : new String[][] {
                {"/v1.44", "{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/v\",\"VolumeOptions\":{\"Subpath\":\"a\"}}",
                        "VolumeOptions.Subpath needs API v1.45 or newer"},
                {"/v1.47", "{\"Type\":\"image\",\"Source\":\"busybox\",\"Target\":\"/i\"}", "Mount type \"Image\" needs API v1.48 or newer"}}) {
            RawHttp.Response r = api("POST", needsNewer[0] + "/containers/create",
                    "{\"Image\":\"busybox\",\"HostConfig\":{\"Mounts\":[" + needsNewer[1] + "]}}");
            assertEquals(400, r.status(), r.bodyText());
            assertEquals(needsNewer[2], Json.MAPPER.readTree(r.body()).path("message").asText());
        }

        ok("network", "create", "front");
        ok("network", "create", "back");
        try {
            String two = "{\"Image\":\"busybox\",\"Hostname\":\"h1\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"front\"},"
                    + "\"NetworkingConfig\":{\"EndpointsConfig\":{\"front\":{\"Aliases\":[\"db\"]},\"back\":{}}}}";
            RawHttp.Response old = api("POST", "/v1.43/containers/create", two);
            assertEquals(400, old.status());
            assertEquals("Container cannot be created with multiple network endpoints: front, back",
                    Json.MAPPER.readTree(old.body()).path("message").asText());
            RawHttp.Response created = api("POST", "/v1.44/containers/create?name=two", two);
            assertEquals(201, created.status(), created.bodyText());
            String shortId = Json.MAPPER.readTree(created.body()).path("Id").asText().substring(0, 12);
            // before 1.45 a user-defined network's aliases also name the container's short id and hostname
            JsonNode at144 = Json.MAPPER.readTree(api("GET", "/v1.44/containers/two/json", null).body()).at("/NetworkSettings/Networks");
            assertEquals("[\"db\",\"" + shortId + "\",\"h1\"]", at144.at("/front/Aliases").toString());
            assertEquals("[\"" + shortId + "\",\"h1\"]", at144.at("/back/Aliases").toString());
            JsonNode at147 = Json.MAPPER.readTree(api("GET", "/v1.47/containers/two/json", null).body()).at("/NetworkSettings/Networks");
            assertEquals("[\"db\"]", at147.at("/front/Aliases").toString());
            assertTrue(at147.at("/back/Aliases").isNull(), at147.toString());
        } finally {
            docker.run("rm", "-f", "two");
            ok("network", "rm", "front", "back");
        }
    }

    /** docker-py's build tests: an error before the build's stream is a plain HTTP error, and a built image's Config has Go's fields. */
    @Test
    void buildErrorsBeforeTheStreamAreWholeAndABuiltConfigHasGosFields() throws Exception {
        assertEquals("APIError 400 True\nNone None\n", python("import docker, io",
                "c = docker.from_env(version='1.41').api",
                "try:",
                "    for line in c.build(fileobj=io.BytesIO(), tag='a/b/c'):",
                "        pass",
                "    print('no error')",
                "except docker.errors.APIError as e:",
                "    print(type(e).__name__, e.response.status_code, e.is_error())",
                "list(c.build(fileobj=io.BytesIO(b'FROM busybox\\nCMD [\"true\"]'), tag='gofields', decode=True))",
                "config = c.inspect_image('gofields')['Config']",
                "print(config['OnBuild'], config['Entrypoint'])"));
        RawHttp.Response none = RawHttp.request(daemon.socket(), "POST", "/build", Map.of("Content-Type", "application/x-tar"), new byte[0]);
        assertEquals(500, none.status());
        assertEquals("Cannot locate specified Dockerfile: Dockerfile", Json.MAPPER.readTree(none.body()).path("message").asText());
        assertEquals(null, none.header("transfer-encoding"), "an error is sent whole, with its length");
    }

    /** docker-py's IPv6 network tests, as dockerd 20.10 passes them (its API, 1.41); from 1.44 a subnet with host bits is refused. */
    @Test
    void anIpv6PoolWithoutIpv6IsKeptUnusedAndHostBitsAreMaskedBefore144() throws Exception {
        assertEquals("2001:389::f00d '' False ['2001:389::/64']\n400\n['2001:389::/64']\n", python("import docker",
                "c = docker.from_env(version='1.41').api",
                "pool = lambda: docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet='2001:389::1/64')])",
                "c.create_network('v6dormant', ipam=pool())",
                "ctr = c.create_container('busybox', 'sleep 30', host_config=c.create_host_config(network_mode='v6dormant'),",
                "    networking_config=c.create_networking_config({'v6dormant': c.create_endpoint_config(ipv6_address='2001:389::f00d')}))",
                "c.start(ctr)",
                "ep = c.inspect_container(ctr)['NetworkSettings']['Networks']['v6dormant']",
                "net = c.inspect_network('v6dormant')",
                "print(ep['IPAMConfig']['IPv6Address'], repr(ep['GlobalIPv6Address']), net['EnableIPv6'],",
                "    [p['Subnet'] for p in net['IPAM']['Config'] if ':' in p['Subnet']])",
                "c.remove_container(ctr, force=True)",
                "c.remove_network('v6dormant')",
                "try:",
                "    docker.from_env(version='1.44').api.create_network('hostbits', enable_ipv6=True, ipam=pool())",
                "    print('taken')",
                "except docker.errors.APIError as e:",
                "    print(e.response.status_code)",
                "c.create_network('hostbits', enable_ipv6=True, ipam=pool())",
                "print([p['Subnet'] for p in c.inspect_network('hostbits')['IPAM']['Config'] if ':' in p['Subnet']])",
                "c.remove_network('hostbits')"));
    }

    @Test
    void removingAnAlwaysContainerJustAfterItsExitIsRefused() throws Exception {
        ok("run", "-d", "--name", "again", "--restart", "always", "busybox", "sh", "-c", "sleep 1; exit 2");
        assertEquals("2\n", ok("wait", "again").stdout());
        DockerCli.Result rm = docker.run("rm", "again");
        assertEquals(1, rm.exitCode(), "removed while restarting: " + rm.stdout());
        assertTrue(rm.stderr().contains("You cannot remove a restarting container") || rm.stderr().contains("You cannot remove a running container"),
                rm.stderr());
        ok("rm", "-f", "again");
    }

    @Test
    void runtimeAndLogConfigAreCheckedAndEchoed() throws Exception {
        assertEquals("runc\n", python("import docker",
                "c = docker.from_env()",
                "x = c.containers.create('busybox', ['true'], name='py-rt')",
                "print(c.api.inspect_container(x.id)['HostConfig']['Runtime'])"));
        ok("create", "--name", "lc", "--log-opt", "max-size=1m", "busybox", "true");
        assertEquals("json-file {\"max-size\":\"1m\"}",
                ok("inspect", "-f", "{{.HostConfig.LogConfig.Type}} {{json .HostConfig.LogConfig.Config}}", "lc").stdout().strip());
        DockerCli.Result unknown = docker.run("create", "--log-driver", "syslog", "busybox", "true");
        assertTrue(unknown.exitCode() != 0);
        assertEquals("Error response from daemon: logger: no log driver named 'syslog' is registered",
                unknown.stderr().lines().findFirst().orElse(""), "dockerd's words, which docker-py compares");
        DockerCli.Result badOpt = docker.run("create", "--log-opt", "max-sise=1m", "busybox", "true");
        assertTrue(badOpt.stderr().contains("unknown log opt 'max-sise' for json-file log driver"), badOpt.stderr());
        DockerCli.Result runtime = docker.run("create", "--runtime", "kata", "busybox", "true");
        assertTrue(runtime.stderr().contains("Unknown runtime specified kata"), runtime.stderr());
        // none: the container runs and is attachable, docker logs says why it has nothing
        assertEquals("visible\n", ok("run", "--name", "nolog", "--log-driver", "none", "busybox", "echo", "visible").stdout());
        DockerCli.Result logs = docker.run("logs", "nolog");
        assertTrue(logs.exitCode() != 0 && logs.stderr().contains("configured logging driver does not support reading"), logs.stderr());
        // max-size: conmon cuts the log back, so it never grows far past the limit
        ok("run", "--name", "small", "--log-opt", "max-size=64k", "busybox", "sh", "-c",
                "i=0; while [ $i -lt 3000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done");
        String log = ok("inspect", "-f", "{{.LogPath}}", "small").stdout().strip();
        assertTrue(Files.size(Path.of(log)) <= 64 * 1024 + 4096, "log of " + Files.size(Path.of(log)) + " bytes");
        assertTrue(ok("logs", "--tail", "1", "small").stdout().startsWith("line-2999-"));
        // max-file 3: rotated at max-size, three files at most, and the lines kept are whole and in order
        ok("run", "--name", "rotated", "--log-opt", "max-size=16k", "--log-opt", "max-file=3", "busybox", "sh", "-c",
                "i=0; while [ $i -lt 60 ]; do j=0; while [ $j -lt 40 ]; do echo n$((i*40+j))-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; j=$((j+1)); done; "
                        + "i=$((i+1)); sleep 0.1; done");
        Path live = Path.of(ok("inspect", "-f", "{{.LogPath}}", "rotated").stdout().strip());
        assertTrue(Files.exists(live.resolveSibling(live.getFileName() + ".1")), "rotated at max-size");
        assertTrue(!Files.exists(live.resolveSibling(live.getFileName() + ".3")), "no more than max-file files");
        List<Integer> kept = ok("logs", "rotated").stdout().lines().map(l -> Integer.parseInt(l.substring(1, l.indexOf('-')))).toList();
        assertEquals(2399, kept.getLast());
        for (int i = 1; i < kept.size(); i++) {
            assertEquals(kept.get(i - 1) + 1, kept.get(i), "a gap in the kept lines");
        }
        assertTrue(kept.size() < 2400, "old lines were dropped");
    }

    /** docker-py's attach_socket then start (issue 26): the first frame arrives; a restart's stop sets FinishedAt, as dockerd. */
    @Test
    void anAttachBeforeStartGetsTheOutputAndARestartKeepsFinishedAt() throws Exception {
        String id = ok("create", "busybox", "echo", "hi there").stdout().strip();
        try (RawHttp c = new RawHttp(daemon.socket())) {
            c.sendRequest("POST", "/containers/" + id + "/attach?stdout=1&logs=1&stream=1",
                    Map.of("Connection", "Upgrade", "Upgrade", "tcp"), null);
            assertEquals(101, c.readHead().status());
            ok("start", id);
            assertEquals("[1, 0, 0, 0, 0, 0, 0, 9]", java.util.Arrays.toString(c.readExactly(8)));
            assertEquals("hi there\n", new String(c.readExactly(9), StandardCharsets.UTF_8));
        }
        assertEquals("b'\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x06hello\\n'\n", python("import docker",
                "c = docker.from_env().api",
                "ct = c.create_container('busybox', ['echo', 'hello'])",
                "s = c.attach_socket(ct, params={'stdout': 1, 'logs': 1, 'stream': 1})",
                "c.start(ct)",
                "sock = s._sock if hasattr(s, '_sock') else s",
                "data = b''",
                "while len(data) < 14:",
                "    part = sock.recv(64)",
                "    if not part: break",
                "    data += part",
                "print(data)"));

        ok("run", "-d", "--name", "again", "busybox", "sleep", "300");
        assertEquals("0001-01-01T00:00:00Z", ok("inspect", "-f", "{{.State.FinishedAt}}", "again").stdout().strip());
        ok("restart", "-t", "0", "again");
        java.time.Instant finished = java.time.Instant.parse(ok("inspect", "-f", "{{.State.FinishedAt}}", "again").stdout().strip());
        java.time.Instant started = java.time.Instant.parse(ok("inspect", "-f", "{{.State.StartedAt}}", "again").stdout().strip());
        assertTrue(finished.isAfter(java.time.Instant.parse("2000-01-01T00:00:00Z")) && !finished.isAfter(started),
                "FinishedAt " + finished + " is the restart's stop, before StartedAt " + started);
        ok("rm", "-f", "again");
    }

    /** docker-py's save and load by id, a bad archive as ImageLoadError, and its lower-case detachKeys (issue 26). */
    @Test
    void saveByIdLoadErrorsAndDetachKeysFromTheClientsConfigAsDockerd() throws Exception {
        ok("tag", "busybox", "busybox:second");
        ok("tag", "busybox", "other:1");
        assertEquals("1 True\nImageLoadError invalid archive: empty, or not a tar archive\n", python("import docker",
                "c = docker.from_env()",
                "img = c.images.get('busybox')",
                "loaded = c.images.load(b''.join(img.save()))",      // by id: the image without names
                "print(len(loaded), loaded[0].id == img.id)",
                "try:",
                "    c.images.load(b'abc')",
                "except docker.errors.ImageLoadError as e:",
                "    print('ImageLoadError', e)"));
        Path saved = daemon.dir().resolve("repo.tar");
        ok("save", "-o", saved.toString(), "busybox");
        String manifest = new String(new ProcessBuilder("tar", "-xOf", saved.toString(), "manifest.json").start().getInputStream()
                .readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(manifest.contains("\"busybox:latest\"") && manifest.contains("\"busybox:second\"") && !manifest.contains("other:1"),
                "a repository saves its tags, no other: " + manifest);

        // {"detachKeys": "ctrl-p"} from docker-py's config file: Go's decoder takes any case, so must Berth
        ok("run", "-d", "--name", "cat", "-i", "busybox", "cat");
        assertEquals("detached\n", python("import docker, time",
                "c = docker.from_env().api",
                "c._general_configs['detachKeys'] = 'ctrl-p'",
                "e = c.exec_create('cat', 'cat', stdin=True, tty=True, stdout=True)",
                "sock = c.exec_start(e, tty=True, socket=True)._sock",
                "sock.sendall(b'\\x10')",
                "time.sleep(0.5)",
                "try:",
                "    sock.sendall(b'more\\n')",
                "    sock.settimeout(5)",
                "    print('detached' if sock.recv(128) == b'' else 'still attached')",
                "except OSError:",
                "    print('detached')"));
    }

    /** Image removal as moby's ImageDelete decides it (issue 26), with commit's parent and noprune. */
    @Test
    void imageRemovalForcesPastStoppedContainersOnlyAndKeepsTheirContent() throws Exception {
        ok("create", "--name", "base", "busybox", "true");
        ok("commit", "base", "only:1");
        assertEquals(ok("inspect", "-f", "{{.Id}}", "busybox").stdout(), ok("inspect", "-f", "{{.Parent}}", "only:1").stdout(),
                "a commit's parent is the container's image");
        ok("create", "--name", "user", "only:1", "echo", "still here");
        DockerCli.Result refused = docker.run("rmi", "only:1");
        String onlyId = ok("inspect", "-f", "{{.Id}}", "only:1").stdout().strip();
        String userId = ok("inspect", "-f", "{{.Id}}", "user").stdout().strip();
        assertEquals("Error response from daemon: conflict: unable to remove repository reference \"only:1\" (must force) - container "
                + userId.substring(0, 12) + " is using its referenced image " + onlyId.substring(7, 19), refused.stderr().strip());
        assertEquals("Untagged: only:1\nDeleted: " + onlyId + "\n", ok("rmi", "-f", "only:1").stdout());
        assertEquals("", ok("images", "-q", "only").stdout());
        assertEquals("still here\n", ok("start", "-a", "user").stdout(), "the stopped container keeps its image's content");
        ok("rm", "user");

        // a running container's image is only untagged by a forced removal of its name, never deleted by its id
        ok("commit", "base", "busy:1");
        String busyId = ok("inspect", "-f", "{{.Id}}", "busy:1").stdout().strip();
        ok("run", "-d", "--name", "runner", "busy:1", "sleep", "300");
        assertEquals("Untagged: busy:1\n", ok("rmi", "-f", "busy:1").stdout());
        DockerCli.Result running = docker.run("rmi", "-f", busyId);
        assertEquals("Error response from daemon: conflict: unable to delete " + busyId.substring(7, 19)
                + " (cannot be forced) - image is being used by running container " + ok("inspect", "-f", "{{.Id}}", "runner")
                .stdout().strip().substring(0, 12), running.stderr().strip());
        ok("rm", "-f", "runner");

        // noprune keeps the image a removed one was made on
        ok("run", "--name", "step", "busybox", "touch", "/a");
        ok("commit", "step", "step:1");
        ok("run", "--name", "step2", "step:1", "touch", "/b");
        ok("commit", "step2", "step:2");
        String first = ok("inspect", "-f", "{{.Id}}", "step:1").stdout().strip();
        ok("rm", "step2");
        assertEquals("Untagged: step:1\n", ok("rmi", "step:1").stdout(), "untagged only: step:2 is made on it");
        RawHttp.Response kept = api("DELETE", "/images/step:2?noprune=1", null);
        assertEquals(200, kept.status(), kept.bodyText());
        assertTrue(ok("images", "-a", "-q", "--no-trunc").stdout().contains(first), "noprune kept the parent");
    }

    /** dockerd's words and shapes for what Berth has not got, and network names as dockerd takes them (issue 26). */
    @Test
    void driversBerthLacksAndNetworkNamesAsDockerdHasThem() throws Exception {
        assertEquals("json-file [\"json-file\",\"local\"] [\"bridge\",\"host\",\"null\"]",
                ok("info", "-f", "{{.LoggingDriver}} {{json .Plugins.Log}} {{json .Plugins.Network}}").stdout().strip());
        DockerCli.Result volume = docker.run("volume", "create", "-d", "nosuch", "v1");
        assertEquals("Error response from daemon: create v1: error looking up volume plugin nosuch: plugin \"nosuch\" not found",
                volume.stderr().strip());
        RawHttp.Response viaCreate = api("POST", "/containers/create",
                "{\"Image\":\"busybox\",\"HostConfig\":{\"Binds\":[\"data:/d\"],\"VolumeDriver\":\"nosuch\"}}");
        assertEquals(404, viaCreate.status());
        assertEquals("create data: error looking up volume plugin nosuch: plugin \"nosuch\" not found",
                Json.MAPPER.readTree(viaCreate.body()).path("message").asText());
        assertEquals("", ok("volume", "ls", "-q").stdout(), "a refused create makes no volume");
        for (String name : List.of("_underscoretest_bar", "test 01")) {
            ok("network", "create", name);
            assertEquals("up\n", ok("run", "--rm", "--network", name, "busybox", "echo", "up").stdout());
            assertEquals(name + "\n", ok("network", "inspect", "-f", "{{.Name}}", name).stdout());
            ok("network", "rm", name);
        }
    }

    @Test
    void wrongTypesAndBadQueryParametersAre400sWithAMessage() throws Exception {
        String[][] bodies = {
            {"{\"Image\":\"busybox\",\"Memory\":\"lots\"}", "Memory: expected a whole number"},
            {"{\"Image\":\"busybox\",\"HostConfig\":{\"Memory\":\"64m\"}}", "HostConfig.Memory: expected a whole number"},
            {"{\"Image\":\"busybox\",\"Tty\":\"yes\"}", "Tty: expected true or false"},
            {"{\"Image\":\"busybox\",\"Env\":\"A=1\"}", "Env: expected a list of strings"},
            {"{\"Image\":\"busybox\",\"HostConfig\":{\"RestartPolicy\":{\"Name\":1}}}", "HostConfig.RestartPolicy.Name: expected a string"},
            {"{\"Image\":\"busybox\",\"Labels\":{\"a\":1}}", "Labels: expected an object of strings"},
            {"{\"Image\":\"busybox\",\"HostConfig\":{\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/x\",\"ReadOnly\":\"yes\"}]}}",
                "invalid JSON at HostConfig.Mounts[0].ReadOnly"},
            {"{\"Image\":\"busybox\",\"NetworkingConfig\":{\"EndpointsConfig\":{\"bridge\":{\"Aliases\":\"a\"}}}}",
                "invalid JSON at NetworkingConfig.EndpointsConfig.bridge.Aliases"},
            {"{\"Image\":", "invalid JSON"},
            {"[" .repeat(100) + "]".repeat(100), "invalid JSON"},
        };
        for (String[] b : bodies) {
            RawHttp.Response r = api("POST", "/containers/create", b[0]);
            assertEquals(400, r.status(), b[0] + " -> " + r.bodyText());
            assertTrue(r.bodyText().contains(b[1]), b[0] + " -> " + r.bodyText());
        }
        String[][] queries = {
            {"/containers/json?limit=abc", "invalid value for limit"},
            {"/containers/json?filters=%7B%22label%22%3A%5B%5D%7D", "invalid filter 'label': no value given"},
        };
        for (String[] q : queries) {
            RawHttp.Response r = api("GET", q[0], null);
            assertEquals(400, r.status(), q[0] + " -> " + r.bodyText());
            assertTrue(r.bodyText().contains(q[1]), q[0] + " -> " + r.bodyText());
        }
        ok("run", "--name", "tt", "busybox", "true");
        RawHttp.Response tail = api("GET", "/containers/tt/logs?stdout=1&tail=x", null);
        assertEquals(400, tail.status(), tail.bodyText());
        assertTrue(tail.bodyText().contains("invalid value for tail"), tail.bodyText());
        // until=500ms is half a second ago, not 500 minutes: a container made a second ago is pruned
        Thread.sleep(1000);
        JsonNode pruned = Json.MAPPER.readTree(api("POST", "/containers/prune?filters=%7B%22until%22%3A%5B%22500ms%22%5D%7D", null).body());
        assertEquals(1, pruned.path("ContainersDeleted").size(), pruned.toString());
        RawHttp.Response big = api("POST", "/containers/create", "{\"Image\":\"busybox\",\"Env\":[\"" + "x".repeat(3 << 20) + "\"]}");
        assertEquals(413, big.status(), "a JSON body over the cap");
    }

    @Test
    void optionsBerthDoesNotImplementYetAreRefusedOrWarnedNeverDropped() throws Exception {
        Map<java.util.List<String>, String> refused = Map.of(
                java.util.List.of("--pid", "host"), "PID namespace",
                java.util.List.of("--ipc", "host"), "IPC namespace",
                java.util.List.of("--uts", "host"), "UTS namespace");
        for (var row : refused.entrySet()) {
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("create"));
            cmd.addAll(row.getKey());
            cmd.addAll(java.util.List.of("busybox", "true"));
            DockerCli.Result r = docker.run(cmd.toArray(String[]::new));
            assertTrue(r.exitCode() != 0, String.join(" ", cmd));
            assertTrue(r.stderr().contains("Berth does not implement") && r.stderr().contains(row.getValue()), r.stderr());
        }
        RawHttp.Response warned = api("POST", "/containers/create",
                "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"Volumes\":{\"/data\":{}},\"HostConfig\":{\"Binds\":[\"/tmp:/t:z\"]}}");
        assertEquals(201, warned.status(), warned.bodyText());
        String w = Json.MAPPER.readTree(warned.body()).path("Warnings").toString();
        assertTrue(w.contains("SELinux"), w);
        String id = Json.MAPPER.readTree(warned.body()).path("Id").asText();
        assertEquals("/data", ok("inspect", "-f", "{{range .Mounts}}{{if eq .Type \"volume\"}}{{.Destination}}{{end}}{{end}}", id)
                .stdout().strip(), "Volumes: an anonymous volume, no longer a warning");
    }
}
