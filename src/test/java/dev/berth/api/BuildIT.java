package dev.berth.api;

import dev.berth.testing.BusyboxImage;
import dev.berth.testing.DockerCli;
import dev.berth.testing.RawHttp;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code docker build} with the classic builder (issue 18): the docker CLI with BuildKit off, docker-compose's
 * {@code build}, docker-py, and the raw API's errors.
 */
class BuildIT extends ContainerTestBase {

    private DockerCli.Result build(Path context, String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("build"));
        cmd.addAll(java.util.List.of(args));
        cmd.add(context.toString());
        ProcessBuilder pb = new ProcessBuilder(java.util.stream.Stream.concat(java.util.stream.Stream.of(
                docker.commandLine().split(" ")[0]), cmd.stream()).toList()).redirectErrorStream(false);
        pb.environment().putAll(docker.environment());
        pb.environment().put("DOCKER_BUILDKIT", "0");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new DockerCli.Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private Path project() throws Exception {
        Path ctx = Files.createDirectories(daemon.dir().resolve("ctx/sub"));
        Files.writeString(ctx.getParent().resolve("Dockerfile"), """
                ARG GREETING=hello
                FROM busybox AS build
                ARG GREETING
                RUN mkdir -p /out && echo "$GREETING from the build stage" > /out/msg
                COPY sub/ /src/
                RUN ls /src > /out/listing

                FROM busybox
                ENV APP=/app
                WORKDIR $APP
                COPY --from=build /out/ ./
                COPY --chown=1000:1000 file.txt .
                USER 1000
                ENTRYPOINT ["cat"]
                CMD ["msg", "listing", "file.txt"]
                """);
        Files.writeString(ctx.getParent().resolve("file.txt"), "a file\n");
        Files.writeString(ctx.resolve("kept"), "kept\n");
        Files.writeString(ctx.resolve("debug.log"), "left out\n");
        Files.writeString(ctx.getParent().resolve(".dockerignore"), "**/*.log\n");
        return ctx.getParent();
    }

    @Test
    void aMultiStageBuildRunsIsCachedAndRebuildsFromAChangedFile() throws Exception {
        Path ctx = project();
        DockerCli.Result first = build(ctx, "-t", "built:1", "--build-arg", "GREETING=hi");
        assertEquals(0, first.exitCode(), first.stdout() + first.stderr() + daemon.log());
        assertTrue(first.stdout().contains("Step 1/14 : ARG GREETING=hello") && first.stdout().contains("Successfully tagged built:1"),
                first.stdout());
        assertEquals("hi from the build stage\nkept\na file", ok("run", "--rm", "built:1").stdout().strip(),
                "the .dockerignore'd file is not in the context");
        assertEquals("1000", ok("run", "--rm", "--entrypoint", "id", "built:1", "-u").stdout().strip());
        assertEquals("1000", ok("run", "--rm", "--entrypoint", "stat", "built:1", "-c", "%u", "/app/file.txt").stdout().strip());
        assertEquals("built:1\n", ok("images", "--format", "{{.Repository}}:{{.Tag}}", "built").stdout(),
                "the intermediate images are not listed");

        DockerCli.Result again = build(ctx, "-t", "built:1", "--build-arg", "GREETING=hi");
        assertEquals(0, again.exitCode(), again.stderr());
        assertEquals(10, again.stdout().lines().filter(l -> l.contains("Using cache")).count(), again.stdout());
        assertFalse(again.stdout().contains("Running in"), again.stdout());

        Files.writeString(ctx.resolve("file.txt"), "changed\n");
        DockerCli.Result changed = build(ctx, "-t", "built:1", "--build-arg", "GREETING=hi");
        assertEquals(0, changed.exitCode(), changed.stderr());
        String afterCopy = changed.stdout().substring(changed.stdout().indexOf("Step 12/14"));
        assertFalse(afterCopy.contains("Using cache"), "the steps after the changed file run again: " + changed.stdout());
        assertEquals("changed", ok("run", "--rm", "built:1", "file.txt").stdout().strip());
        ok("rmi", "built:1");
        assertEquals("", ok("images", "-aq", "--filter", "dangling=false", "--filter", "reference=built").stdout().strip());
    }

    @Test
    void aFailingRunFailsTheBuildWithItsOutputAndExitCode() throws Exception {
        Path ctx = Files.createDirectories(daemon.dir().resolve("failing"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo about to fail && exit 7\n");
        DockerCli.Result r = build(ctx);
        assertEquals(7, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("about to fail"), r.stdout());
        assertTrue(r.stderr().contains("The command '/bin/sh -c echo about to fail && exit 7' returned a non-zero code: 7"), r.stderr());
        // dockerd's rm semantics: the failing step's container stays for a look, --force-rm removes it too
        assertEquals("\"/bin/sh -c echo about to fail && exit 7\" Exited (7)",
                ok("ps", "-a", "--no-trunc", "--format", "{{.Command}} {{.Status}}").stdout().strip().replaceAll(" \\d+ seconds? ago| Less than a second ago", ""));
        ok("rm", ok("ps", "-aq").stdout().strip());
        assertEquals(7, build(ctx, "--force-rm").exitCode());
        assertEquals("", ok("ps", "-aq").stdout().strip(), "--force-rm leaves no container");
        // --rm=false keeps each step's container; a Dockerfile from outside the context (the CLI then sends a tar
        // that ends without its end blocks, which Go's reader and so dockerd take)
        Path outside = Files.writeString(daemon.dir().resolve("outside.Dockerfile"), "FROM busybox\nRUN echo kept > /kept\n");
        DockerCli.Result kept = build(ctx, "--rm=false", "-f", outside.toString(), "-t", "kept:1");
        assertEquals(0, kept.exitCode(), kept.stdout() + kept.stderr());
        assertEquals("\"/bin/sh -c echo kept > /kept\"", ok("ps", "-a", "--no-trunc", "--format", "{{.Command}}").stdout().strip());
        assertEquals("kept\n", ok("run", "--rm", "kept:1", "cat", "/kept").stdout());
        ok("rm", ok("ps", "-aq").stdout().strip());

        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nCOPY missing.txt /\n");
        DockerCli.Result missing = build(ctx);
        assertEquals(1, missing.exitCode());
        assertTrue(missing.stderr().contains("missing.txt: file does not exist"), missing.stderr());
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nFROBNICATE x\n");
        assertTrue(build(ctx).stderr().contains("unknown instruction: FROBNICATE"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM --platform=linux/s390x busybox\n");
        assertTrue(build(ctx).stderr().contains("Berth builds for linux/"));
        Files.createSymbolicLink(ctx.resolve("hostetc"), Path.of("/etc"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nCOPY hostetc/hostname /leak\n");
        DockerCli.Result link = build(ctx);
        assertEquals(1, link.exitCode(), "a link in the context resolves inside the context, never to the host's /etc");
        assertTrue(link.stderr().contains("hostetc/hostname: file does not exist"), link.stderr());
        Files.delete(ctx.resolve("hostetc"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nCOPY ../outside /\n");
        assertTrue(build(ctx).stderr().contains("forbidden path outside the build context"));
        RawHttp.Response buildkit = RawHttp.request(daemon.socket(), "POST", "/build?version=2", Map.of("Content-Type", "application/x-tar"),
                new byte[1024]);
        assertEquals(501, buildkit.status());
        assertEquals("", ok("ps", "-aq").stdout().strip());
    }

    @Test
    void dockerComposeBuildsAndRunsAServicesImage() throws Exception {
        Path compose = Path.of("/usr/bin/docker-compose");
        assumeTrue(Files.isExecutable(compose), "docker-compose (Debian's) is not installed: skipping");
        Path project = Files.createDirectories(daemon.dir().resolve("composed/app"));
        Files.writeString(project.resolve("Dockerfile"), "FROM busybox\nCOPY hello.txt /hello.txt\nCMD [\"cat\", \"/hello.txt\"]\n");
        Files.writeString(project.resolve("hello.txt"), "built by compose\n");
        Files.writeString(project.getParent().resolve("docker-compose.yml"), """
                version: "3"
                services:
                  app:
                    build: ./app
                    image: composed-app:1
                """);
        for (String[] args : new String[][] {{"build"}, {"up", "-d"}}) {
            java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(compose.toString(), "--no-ansi"));
            cmd.addAll(java.util.List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.getParent().toFile()).redirectErrorStream(true);
            pb.environment().putAll(docker.environment());
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out + daemon.log());
        }
        assertEquals("0", ok("wait", "composed_app_1").stdout().strip());
        assertEquals("built by compose", ok("logs", "composed_app_1").stdout().strip());
        ok("rm", "-f", "composed_app_1");
        ok("network", "rm", "composed_default");
    }

    @Test
    void dockerPyBuildsFromAContextDirectory() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Process probe = new ProcessBuilder(python.toString(), "-c", "import docker").start();
        assumeTrue(probe.waitFor() == 0, "docker-py (Debian python3-docker) is not installed: skipping");
        Path ctx = Files.createDirectories(daemon.dir().resolve("py"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nLABEL made=by-py\nRUN echo step output\n");
        ProcessBuilder pb = new ProcessBuilder(python.toString(), "-c", String.join("\n",
                "import docker",
                "c = docker.from_env()",
                "image, logs = c.images.build(path='" + ctx + "', tag='py:1', rm=True)",
                "print(image.labels['made'], any('step output' in l.get('stream', '') for l in logs))")).redirectErrorStream(true);
        pb.environment().putAll(docker.environment());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals("by-py True", out.strip(), out);
    }

    @Test
    void scratchStagesWildcardsFromAnotherStageAndAddFromAUrlOnLoopback() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/files/remote.txt", ex -> {
            byte[] body = "fetched by the daemon\n".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            Path ctx = Files.createDirectories(daemon.dir().resolve("scratchy"));
            Files.write(ctx.resolve("busybox"), Files.readAllBytes(Path.of("/bin/busybox")));
            Files.writeString(ctx.resolve("Dockerfile"), """
                    FROM busybox AS files
                    RUN mkdir /x && echo one > /x/a.txt && echo two > /x/b.txt && echo no > /x/c.log
                    FROM scratch
                    COPY --chmod=755 busybox /bin/busybox
                    COPY --from=files /x/*.txt /texts/
                    ADD http://127.0.0.1:%d/files/remote.txt /data/
                    ENTRYPOINT ["/bin/busybox"]
                    CMD ["cat", "/data/remote.txt"]
                    """.formatted(server.getAddress().getPort()));
            DockerCli.Result r = build(ctx, "-t", "scratchy:1");
            assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
            assertEquals("fetched by the daemon", ok("run", "--rm", "scratchy:1").stdout().strip());
            assertEquals("600 2023-11-14", ok("run", "--rm", "scratchy:1", "stat", "-c", "%a %y", "/data/remote.txt").stdout()
                    .strip().substring(0, 14), "ADD of a URL: mode 0600 and the server's Last-Modified");
            assertEquals("3", ok("image", "inspect", "-f", "{{len .RootFS.Layers}}", "scratchy:1").stdout().strip(),
                    "FROM scratch: the COPYs' layers and the ADD's");
            assertEquals("a.txt\nb.txt", ok("run", "--rm", "scratchy:1", "ls", "/texts").stdout().strip(), "a wildcard with --from");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aCopiedDirectoryKeepsItsTree() throws Exception {
        Path ctx = Files.createDirectories(daemon.dir().resolve("tree"));
        Files.writeString(Files.createDirectories(ctx.resolve("src/a/b")).resolve("deep.txt"), "three levels down\n");
        Files.writeString(ctx.resolve("src/top.txt"), "top\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nCOPY src/ /dst/\n");
        DockerCli.Result r = build(ctx, "-t", "tree:1");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertEquals("three levels down\ntop", ok("run", "--rm", "tree:1", "cat", "/dst/a/b/deep.txt", "/dst/top.txt").stdout().strip());
    }

    @Test
    void metadataInstructionsTargetsLabelsTarArchivesAndOnbuildTriggers() throws Exception {
        Path ctx = Files.createDirectories(daemon.dir().resolve("meta"));
        Path payload = Files.createDirectories(daemon.dir().resolve("payload"));
        Files.writeString(payload.resolve("inside.txt"), "from the archive\n");
        new ProcessBuilder("tar", "-czf", ctx.resolve("bundle.tar.gz").toString(), "-C", payload.toString(), ".").start().waitFor();
        Files.writeString(ctx.resolve("Dockerfile"), """
                FROM busybox AS base
                ONBUILD RUN echo triggered > /onbuild
                FROM base AS final
                SHELL ["/bin/sh", "-c"]
                ADD bundle.tar.gz /unpacked/
                EXPOSE 8080/udp 9090
                STOPSIGNAL SIGUSR1
                VOLUME /data
                HEALTHCHECK --interval=5s --retries=2 CMD true
                LABEL stage=final
                FROM busybox AS unused
                RUN exit 9
                """);
        DockerCli.Result r = build(ctx, "--target", "final", "--label", "from=cli", "-t", "meta:1");
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertEquals("triggered\nfrom the archive", ok("run", "--rm", "meta:1", "cat", "/onbuild", "/unpacked/inside.txt").stdout().strip(),
                "the ONBUILD trigger ran in the child stage, the tar archive was unpacked");
        assertEquals("map[8080/udp:{} 9090/tcp:{}] SIGUSR1 map[/data:{}] [CMD-SHELL true] 5s 2 final cli", ok("image", "inspect", "-f",
                "{{.Config.ExposedPorts}} {{.Config.StopSignal}} {{.Config.Volumes}} {{.Config.Healthcheck.Test}} "
                        + "{{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.Retries}} {{index .Config.Labels \"stage\"}} "
                        + "{{index .Config.Labels \"from\"}}", "meta:1").stdout().strip());
        assertTrue(ok("history", "meta:1").stdout().contains("#(nop) STOPSIGNAL SIGUSR1"), "metadata steps have #(nop) history");
    }

    /** A build context of these files, as a client that filters it itself sends it. */
    private static byte[] context(Map<String, String> files) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = BusyboxImage.tar(out)) {
            for (var f : new java.util.TreeMap<>(files).entrySet()) {
                BusyboxImage.file(tar, f.getKey(), f.getValue().getBytes(StandardCharsets.UTF_8), 0644);
            }
        }
        return out.toByteArray();
    }

    private String rawBuild(String query, byte[] context) throws Exception {
        RawHttp.Response r = RawHttp.request(daemon.socket(), "POST", "/build?" + query, Map.of("Content-Type", "application/x-tar"), context);
        assertEquals(200, r.status(), r.bodyText());
        return r.bodyText();
    }

    /** What docker-py's build tests need (issue 26), with the raw requests it makes. */
    @Test
    void theDaemonSideOfDockerignoreCacheFromExtraHostsAndEmptyLayersAsDockerd() throws Exception {
        // the client filters the context; the daemon drops only the Dockerfile and .dockerignore when they are named
        String built = rawBuild("t=ign%3A1", context(Map.of("Dockerfile", "FROM busybox\nCOPY . /test\n",
                ".dockerignore", "ignored\nDockerfile\n.dockerignore\n", "ignored/kept-by-the-client", "x", "plain", "y")));
        assertTrue(built.contains("Successfully built"), built);
        assertEquals("/test/ignored/kept-by-the-client\n/test/plain\n",
                ok("run", "--rm", "ign:1", "find", "/test", "-type", "f").stdout().lines().sorted().map(l -> l + "\n")
                        .reduce("", String::concat));

        // cachefrom: only those images (and what they were built on) are a cache
        byte[] steps = context(Map.of("Dockerfile", "FROM busybox\nENV FOO=bar\nRUN touch /baz\nRUN touch /bax\n"));
        rawBuild("t=cached%3A1", steps);
        assertEquals(3, rawBuild("t=cached%3A2&cachefrom=%5B%22cached%3A1%22%5D", steps).split("Using cache", -1).length - 1);
        assertEquals(0, rawBuild("t=cached%3A3&cachefrom=%5B%22nosuchtag%22%5D", steps).split("Using cache", -1).length - 1);
        assertEquals(3, rawBuild("t=cached%3A4", steps).split("Using cache", -1).length - 1, "without cachefrom, the local cache");

        // extrahosts repeated, as docker-py sends them; steps that change nothing (the same empty layer twice) build on
        String hosts = rawBuild("t=hosts%3A1&nocache=1&extrahosts=one.test%3A127.0.0.1&extrahosts=two.test%3A127.0.0.2",
                context(Map.of("Dockerfile", "FROM busybox\nRUN true\nRUN true\nRUN cp /etc/hosts /hosts-file && echo to-stderr >&2\n")));
        assertFalse(hosts.contains("errorDetail"), hosts);
        StringBuilder streamed = new StringBuilder();
        for (String line : hosts.strip().split("\r?\n")) {
            streamed.append(Json.MAPPER.readTree(line).path("stream").asText());
        }
        assertTrue(streamed.toString().contains("\u001b[91mto-stderr\n\u001b[0m"), "a step's stderr in red, as dockerd: " + streamed);
        String file = ok("run", "--rm", "hosts:1", "cat", "/hosts-file").stdout();
        assertTrue(file.contains("127.0.0.1\tone.test") && file.contains("127.0.0.2\ttwo.test"), file);

        // json-file's max-file without max-size is taken, as dockerd takes it
        ok("create", "--name", "files", "--log-opt", "max-file=100", "busybox", "true");
        assertEquals("{\"max-file\":\"100\"}", ok("inspect", "-f", "{{json .HostConfig.LogConfig.Config}}", "files").stdout().strip());
    }
}
