package dev.berth.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.container.ContainerConfig;
import dev.berth.container.ContainerCreate;
import dev.berth.container.ContainerEngine;
import dev.berth.container.ContainerLogs;
import dev.berth.container.Containers;
import dev.berth.container.HostConfig;
import dev.berth.errors.EngineException;
import dev.berth.files.ContainerFiles;
import dev.berth.files.ContainerView;
import dev.berth.host.EngineJson;
import dev.berth.host.FileTrees;
import dev.berth.image.CommitRequest;
import dev.berth.image.Digest;
import dev.berth.image.Image;
import dev.berth.image.ImageReference;
import dev.berth.image.ImageStore;
import dev.berth.image.Platform;
import dev.berth.rootfs.ScopedPath;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The classic builder ({@code POST /build} without BuildKit): the context unpacked to disk, the Dockerfile
 * parsed, each stage's instructions applied in order. A RUN runs as a container through the same engine as
 * {@code docker run} and its changes are committed as a layer; COPY and ADD write into a created container
 * through the archive code and are committed the same way; the other instructions make an image with a new
 * config and no layer. Each step's result is cached by its parent, its instruction and what it copies.
 */
public final class Builder {

    private static final ObjectMapper JSON = EngineJson.MAPPER;
    private static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");
    /** The build args every Dockerfile may use without declaring them (dockerd's predefined ones). */
    private static final Set<String> PREDEFINED_ARGS = Set.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
            "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy");

    /** Where the build's messages go: step lines and RUN output ({@code stream}), and each stage's image ({@code aux}). */
    public interface Output {
        void stream(String text) throws IOException;

        void aux(String imageId) throws IOException;

        /** The build's image, after its last {@link #aux}: what a quiet build shows. */
        default void built(String imageId) throws IOException {
        }

        /** Whether the client that asked for the build has gone: the build stops (a quiet one writes nothing to notice it by). */
        default boolean clientGone() {
            return false;
        }
    }

    /** What the client asked for (the query of {@code POST /build}). */
    public record Request(String dockerfile, List<ImageReference> tags, Map<String, String> buildArgs, Map<String, String> labels,
                          String target, boolean noCache, boolean pull, boolean quiet, String networkMode, List<String> extraHosts,
                          long shmSize, long memory, Platform platform, Map<String, Object> cpu, Removal removal,
                          List<String> cacheFrom) {}

    /**
     * What happens to the containers of RUN steps, as dockerd's {@code rm} and {@code forcerm}: each goes once
     * its step succeeded ({@code rm}, the default), and the failing step's one stays for a look unless
     * {@code forcerm}. The containers a build makes to reach files go in any case.
     */
    public record Removal(boolean afterSuccess, boolean afterFailure) {}

    /** A build that failed: the message the client shows and the exit code it exits with (a RUN's own). */
    public static final class Failure extends RuntimeException {
        private final int code;

        public Failure(String message, int code) {
            super(message);
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    /** Pulls a base image that is not here. */
    public interface Puller {
        void pull(ImageReference ref, Output out) throws IOException;
    }

    private final ContainerEngine containers;
    private final Containers side;
    private final ImageStore images;
    private final BuildCache cache;
    private final Path scratch;

    public Builder(Path root, Containers containers, ImageStore images) throws IOException {
        this.containers = containers.lifecycle();
        this.side = containers;
        this.images = images;
        this.cache = new BuildCache(root);
        this.scratch = Files.createDirectories(root.resolve("build").resolve("tmp"));
        try (var left = Files.list(scratch)) {
            for (Path p : left.toList()) {
                FileTrees.delete(p);     // a build a crash cut short
            }
        }
    }

    /** One stage as it is built: its name, its image so far (null: scratch, nothing yet), its args and shell. */
    private static final class Stage {
        final String name;
        String imageId;
        ObjectNode json;
        final Map<String, String> args = new LinkedHashMap<>();
        List<String> shell = DEFAULT_SHELL;

        Stage(String name) {
            this.name = name;
        }

        ObjectNode config() {
            return json.withObjectProperty("config");
        }
    }

    /** Runs the build, pulling missing base images with {@code puller}; answers the id of the image made. */
    public Digest build(InputStream contextTar, Request request, Output out, Puller puller) throws IOException {
        Path dir = Files.createTempDirectory(scratch, "build-");
        List<String> made = new ArrayList<>();      // every container not committed and kept yet: a RUN step's, or a helper
        Set<String> runContainers = new HashSet<>();         // of those, the RUN steps'
        try {
            Path context = Files.createDirectories(dir.resolve("context"));
            ContainerFiles.extract(new ContainerView("the build context", context, Map.of(), Set.of()), "/", contextTar, false, null);
            String dockerfileName = request.dockerfile().isEmpty() ? "Dockerfile" : request.dockerfile();
            byte[] dockerfile = ScopedPath.read(context, dockerfileName, 4 << 20).orElseThrow(() -> new Failure(
                    "Cannot locate specified Dockerfile: " + dockerfileName, 1));
            // as dockerd: the client leaves out what .dockerignore excludes; the daemon drops only the Dockerfile and
            // .dockerignore themselves when it names them
            DockerIgnore ignore = ScopedPath.read(context, ".dockerignore", 1 << 20)
                    .map(b -> new DockerIgnore(new String(b, StandardCharsets.UTF_8))).orElse(DockerIgnore.NONE);
            for (String own : List.of(".dockerignore", dockerfileName)) {
                if (ignore.excluded(own)) {
                    Files.deleteIfExists(ScopedPath.locate(context, Map.of(), own, true).host());   // a link itself, never its target
                }
            }
            List<Instruction> all = DockerfileParser.parse(new String(dockerfile, StandardCharsets.UTF_8));
            Run run = new Run(request, out, context, dir, made, runContainers, puller);
            Digest id = run.all(all);
            if (!request.buildArgs().isEmpty()) {
                List<String> unused = request.buildArgs().keySet().stream().filter(k -> !run.consumed.contains(k)).sorted().toList();
                if (!unused.isEmpty()) {
                    out.stream("[Warning] One or more build-args " + unused + " were not consumed\n");
                }
            }
            return id;
        } finally {
            for (String c : made) {
                if (runContainers.contains(c) && !request.removal().afterFailure()) {
                    continue;       // the failed step's container, kept as dockerd keeps it
                }
                try {
                    containers.remove(c, true, true);
                } catch (EngineException | IOException gone) {
                    // removed with its step
                }
            }
            FileTrees.delete(dir);
        }
    }

    /** One build's state: its stages, and what it needs to run steps. */
    private final class Run {
        final Request request;
        final Output out;
        final Path context;
        final Path dir;
        final List<String> made;
        final Set<String> runContainers;
        final Puller puller;
        final Map<String, String> globalArgs = new LinkedHashMap<>();
        final Set<String> consumed = new LinkedHashSet<>();
        final List<Stage> stages = new ArrayList<>();
        int step;
        int steps;
        int tarCount;
        Set<String> cacheSources;       // see cacheSources()

        Run(Request request, Output out, Path context, Path dir, List<String> made, Set<String> runContainers,
            Puller puller) {
            this.puller = puller;
            this.request = request;
            this.out = out;
            this.context = context;
            this.dir = dir;
            this.made = made;
            this.runContainers = runContainers;
        }

        Digest all(List<Instruction> instructions) throws IOException {
            if (!instructions.getFirst().keyword().equals("FROM") && !instructions.getFirst().keyword().equals("ARG")) {
                throw new Failure("failed to parse Dockerfile: the first instruction must be FROM (or ARG), not "
                        + instructions.getFirst().keyword(), 1);
            }
            steps = instructions.size();
            Stage stage = null;
            for (Instruction i : instructions) {
                step++;
                if (i.keyword().equals("FROM")) {
                    if (stage != null && !request.target().isEmpty() && request.target().equals(stage.name)) {
                        break;
                    }
                    if (stage != null && stage.imageId != null) {
                        out.aux(images.get(stage.imageId).id().toString());     // each stage's image, as dockerd's
                    }
                    stage = from(i);
                    continue;
                }
                if (stage == null) {
                    globalArg(i);
                    continue;
                }
                dispatch(stage, i);
            }
            if (stage == null) {
                throw new Failure("failed to parse Dockerfile: no FROM instruction", 1);
            }
            if (!request.target().isEmpty() && stages.stream().noneMatch(s -> request.target().equals(s.name))) {
                throw new Failure("failed to reach build target " + request.target() + " in Dockerfile", 1);
            }
            Stage last = stages.stream().filter(s -> request.target().equals(s.name)).findFirst().orElse(stage);
            if (!request.labels().isEmpty()) {
                ObjectNode labels = last.config().withObjectProperty("Labels");
                request.labels().forEach(labels::put);
                commitConfig(last, "LABEL " + request.labels());
            }
            if (last.imageId == null) {
                throw new Failure("No image was generated. Is your Dockerfile empty?", 1);
            }
            Digest id = images.get(last.imageId).id();
            out.aux(id.toString());
            out.stream("Successfully built " + id.shortHex() + "\n");
            out.built(id.toString());
            for (ImageReference t : request.tags()) {
                images.tag(id.toString(), t);
                out.stream("Successfully tagged " + t.familiar() + "\n");
            }
            return id;
        }

        private void announce(Instruction i) throws IOException {
            if (out.clientGone()) {
                throw new Failure("the build was stopped: its client went away", 1);
            }
            out.stream("Step " + step + "/" + steps + " : " + i.original() + "\n");
        }

        private void globalArg(Instruction i) throws IOException {
            if (!i.keyword().equals("ARG")) {
                throw new Failure("failed to parse Dockerfile: " + i.keyword() + " before the first FROM (line " + i.line() + ")", 1);
            }
            announce(i);
            arg(globalArgs, i.args());
        }

        private void arg(Map<String, String> into, String text) {
            for (String a : text.split("\\s+")) {
                int eq = a.indexOf('=');
                String name = eq < 0 ? a : a.substring(0, eq);
                String dflt = eq < 0 ? null : unquote(a.substring(eq + 1));
                String value = request.buildArgs().containsKey(name) ? request.buildArgs().get(name) : dflt;
                if (request.buildArgs().containsKey(name)) {
                    consumed.add(name);
                }
                into.put(name, value == null ? globalArgs.getOrDefault(name, "") : value);
            }
        }

        private Stage from(Instruction i) throws IOException {
            announce(i);
            String platform = Substitution.expand(i.flags().getOrDefault("platform", ""), globalArgs, '\\');
            boolean served;
            try {
                served = Platform.parse(platform, request.platform()).matches(request.platform());
            } catch (EngineException bad) {
                throw new Failure("FROM --platform=" + platform + ": " + bad.getMessage() + " (line " + i.line() + ")", 1);
            }
            if (!served) {
                throw new Failure("FROM --platform=" + platform + ": Berth builds for " + request.platform() + " only (line " + i.line() + ")", 1);
            }
            String[] words = Substitution.expand(i.args(), globalArgs, '\\').split("\\s+");
            String base = words[0];
            String name = words.length == 3 && words[1].equalsIgnoreCase("AS") ? words[2].toLowerCase(java.util.Locale.ROOT) : "";
            if (words.length != 1 && name.isEmpty()) {
                throw new Failure("FROM requires either one or three arguments (line " + i.line() + ")", 1);
            }
            Stage stage = new Stage(name);
            Optional<Stage> earlier = stageNamed(base);
            if (earlier.isPresent()) {
                stage.imageId = earlier.get().imageId;
                stage.json = earlier.get().json.deepCopy();
            } else if (base.equals("scratch")) {
                stage.json = JSON.createObjectNode();
                stage.json.put("architecture", request.platform().architecture()).put("os", request.platform().os());
                stage.json.putObject("config");
                stage.json.putObject("rootfs").put("type", "layers").putArray("diff_ids");
                stage.json.putArray("history");
            } else {
                ImageReference ref = ImageReference.parse(base, null);
                if (request.pull() || images.idOf(ref).isEmpty() && !existsById(base)) {
                    puller.pull(ref, out);
                }
                Image image = images.get(base);
                stage.imageId = image.id().toString();
                stage.json = (ObjectNode) JSON.readTree(images.configBytes(image.id()));
                out.stream(" ---> " + image.id().shortHex() + "\n");
            }
            // the base's ONBUILD triggers (an image's or an earlier stage's) run first; the new image keeps none
            List<String> triggers = new ArrayList<>();
            stage.config().path("OnBuild").forEach(t -> triggers.add(t.asText()));
            stage.config().remove("OnBuild");
            for (String trigger : triggers) {
                out.stream("# Executing 1 build trigger\n");
                dispatch(stage, DockerfileParser.instruction(trigger, i.line(), '\\'));
            }
            stages.add(stage);
            return stage;
        }

        private boolean existsById(String ref) {
            try {
                images.get(ref);
                return true;
            } catch (EngineException e) {
                return false;
            }
        }

        private Optional<Stage> stageNamed(String ref) {
            if (ref.matches("\\d+") && Integer.parseInt(ref) < stages.size()) {
                return Optional.of(stages.get(Integer.parseInt(ref)));
            }
            return stages.stream().filter(s -> !s.name.isEmpty() && s.name.equalsIgnoreCase(ref)).findFirst();
        }

        /** The variables an instruction's arguments may name: the stage's args and its environment. */
        private Map<String, String> vars(Stage s) {
            Map<String, String> v = new LinkedHashMap<>(s.args);
            for (JsonNode e : s.config().path("Env")) {
                String[] kv = e.asText().split("=", 2);
                v.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
            return v;
        }

        private void dispatch(Stage s, Instruction i) throws IOException {
            announce(i);
            String args = switch (i.keyword()) {
                case "RUN", "CMD", "ENTRYPOINT", "SHELL", "HEALTHCHECK", "ONBUILD" -> i.args();
                default -> Substitution.expand(i.args(), vars(s), '\\');
            };
            ObjectNode c = s.config();
            switch (i.keyword()) {
                case "RUN" -> run(s, i);
                case "COPY", "ADD" -> copy(s, i, args);
                case "ARG" -> {
                    arg(s.args, args);
                    out.stream(" ---> " + (s.imageId == null ? "" : Digest.parse(s.imageId).shortHex()) + "\n");
                }
                case "ENV", "LABEL" -> {
                    for (String[] kv : pairs(args, i)) {
                        if (i.keyword().equals("ENV")) {
                            dev.berth.image.ImageConfig.setEnv(c, kv[0], kv[1]);
                        } else {
                            c.withObjectProperty("Labels").put(kv[0], kv[1]);
                        }
                    }
                    commitConfig(s, i.original());
                }
                case "WORKDIR" -> {
                    String wd = args.startsWith("/") ? args : c.path("WorkingDir").asText("/") + "/" + args;
                    c.put("WorkingDir", java.nio.file.Path.of(wd).normalize().toString());
                    commitConfig(s, i.original());
                }
                case "USER" -> {
                    c.put("User", args);
                    commitConfig(s, i.original());
                }
                case "CMD", "ENTRYPOINT" -> {
                    ArrayNode a = c.putArray(i.keyword().equals("CMD") ? "Cmd" : "Entrypoint");
                    command(s, i).forEach(a::add);
                    if (i.keyword().equals("ENTRYPOINT") && !i.execForm() && c.has("Cmd")) {
                        c.remove("Cmd");        // a shell-form entrypoint takes no arguments, as with dockerd
                    }
                    commitConfig(s, i.original());
                }
                case "SHELL" -> {
                    if (!i.execForm()) {
                        throw new Failure("SHELL requires the arguments to be in JSON form (line " + i.line() + ")", 1);
                    }
                    s.shell = i.json();
                    ArrayNode a = c.putArray("Shell");
                    s.shell.forEach(a::add);
                    commitConfig(s, i.original());
                }
                case "EXPOSE" -> {
                    ObjectNode ports = c.withObjectProperty("ExposedPorts");
                    for (String p : args.split("\\s+")) {
                        if (!p.matches("\\d{1,5}(-\\d{1,5})?(/(tcp|udp|sctp))?")) {
                            throw new Failure("invalid containerPort: " + p, 1);
                        }
                        ports.putObject(p.contains("/") ? p : p + "/tcp");
                    }
                    commitConfig(s, i.original());
                }
                case "VOLUME" -> {
                    ObjectNode vols = c.withObjectProperty("Volumes");
                    for (String v : i.execForm() ? i.json() : List.of(args.split("\\s+"))) {
                        vols.putObject(Substitution.expand(v, vars(s), '\\'));
                    }
                    commitConfig(s, i.original());
                }
                case "STOPSIGNAL" -> {
                    c.put("StopSignal", args);
                    commitConfig(s, i.original());
                }
                case "MAINTAINER" -> {
                    s.json.put("author", args);
                    commitConfig(s, i.original());
                }
                case "ONBUILD" -> {
                    String trigger = args.strip();
                    String kw = trigger.split("\\s+", 2)[0].toUpperCase(java.util.Locale.ROOT);
                    if (kw.equals("ONBUILD") || kw.equals("FROM") || kw.equals("MAINTAINER")) {
                        throw new Failure(kw + " isn't allowed as an ONBUILD trigger", 1);
                    }
                    c.withArrayProperty("OnBuild").add(trigger);
                    commitConfig(s, i.original());
                }
                case "HEALTHCHECK" -> {
                    c.set("Healthcheck", healthcheck(s, i));
                    commitConfig(s, i.original());
                }
                default -> throw new Failure("unknown instruction: " + i.keyword(), 1);
            }
        }

        /** CMD, ENTRYPOINT, RUN as argv: the exec form as it is, the shell form through the stage's shell. */
        private List<String> command(Stage s, Instruction i) {
            if (i.execForm()) {
                return i.json();
            }
            List<String> argv = new ArrayList<>(s.shell);
            argv.add(i.args());
            return argv;
        }

        private ObjectNode healthcheck(Stage s, Instruction i) {
            ObjectNode h = JSON.createObjectNode();
            String rest = i.args().strip();
            if (rest.equalsIgnoreCase("NONE")) {
                h.putArray("Test").add("NONE");
                return h;
            }
            for (var f : i.flags().entrySet()) {
                String field = switch (f.getKey()) {
                    case "interval" -> "Interval";
                    case "timeout" -> "Timeout";
                    case "start-period" -> "StartPeriod";
                    case "start-interval" -> "StartInterval";
                    case "retries" -> "Retries";
                    default -> throw new Failure("unknown flag: --" + f.getKey() + " (HEALTHCHECK, line " + i.line() + ")", 1);
                };
                if (field.equals("Retries")) {
                    h.put(field, Integer.parseInt(f.getValue()));
                } else {
                    h.put(field, goDurationNanos(f.getValue()));
                }
            }
            String[] kv = rest.split("\\s+", 2);
            if (!kv[0].equalsIgnoreCase("CMD") || kv.length < 2) {
                throw new Failure("HEALTHCHECK needs CMD or NONE (line " + i.line() + ")", 1);
            }
            Instruction cmd = DockerfileParser.instruction("CMD " + kv[1], i.line(), '\\');
            ArrayNode test = h.putArray("Test");
            if (cmd.execForm()) {
                test.add("CMD");
                cmd.json().forEach(test::add);
            } else {
                test.add("CMD-SHELL").add(cmd.args());
            }
            return h;
        }

        // ---- steps that make layers ----

        private void run(Stage s, Instruction i) throws IOException {
            if (!i.flags().isEmpty()) {
                throw new Failure("the --" + i.flags().keySet().iterator().next() + " option requires BuildKit, which Berth does not run:"
                        + " the classic builder takes RUN without options (line " + i.line() + ")", 1);
            }
            requireBase(s, i);
            List<String> argv = command(s, i);
            Map<String, String> env = new LinkedHashMap<>(s.args);
            String key = key(s, "RUN " + argv + " " + env, "");
            if (cached(s, key)) {
                return;
            }
            ObjectNode create = JSON.createObjectNode();
            create.put("Image", s.imageId);
            ArrayNode cmd = create.putArray("Cmd");
            argv.forEach(cmd::add);
            create.putArray("Entrypoint").add("");
            ArrayNode envs = create.putArray("Env");
            s.config().path("Env").forEach(e -> envs.add(e.asText()));
            env.forEach((k, v) -> envs.add(k + "=" + v));
            create.put("WorkingDir", s.config().path("WorkingDir").asText(""));
            create.put("User", s.config().path("User").asText(""));
            create.put("AttachStdout", true).put("AttachStderr", true);
            ObjectNode hc = create.putObject("HostConfig");
            hc.put("NetworkMode", request.networkMode().isEmpty() ? "default" : request.networkMode());
            if (request.shmSize() > 0) {
                hc.put("ShmSize", request.shmSize());
            }
            if (request.memory() > 0) {
                hc.put("Memory", request.memory());
            }
            request.cpu().forEach((k, v) -> hc.set(k, JSON.valueToTree(v)));
            ArrayNode hosts = hc.putArray("ExtraHosts");
            request.extraHosts().forEach(hosts::add);
            String id = containers.create(request(create)).container().id();
            made.add(id);
            runContainers.add(id);
            out.stream(" ---> Running in " + id.substring(0, 12) + "\n");
            containers.start(id);
            if (!request.quiet()) {
                try (OutputStream stream = new StepOutput(out)) {
                    ContainerLogs.write(containers.paths(id).log(), new ContainerLogs.Options(true, true, false, -1, null, null, true),
                            false, stream, () -> running(id) && !out.clientGone());     // a gone client is noticed below
                }
            }
            int code;
            var exit = containers.waitFor(id, ContainerEngine.WaitCondition.NOT_RUNNING);
            try {
                while (true) {
                    try {
                        code = exit.get(500, java.util.concurrent.TimeUnit.MILLISECONDS);
                        break;
                    } catch (java.util.concurrent.TimeoutException stillRunning) {
                        if (out.clientGone()) {
                            containers.kill(id, "KILL");
                            runContainers.remove(id);       // a cancelled build's container goes, as dockerd removes it
                            throw new Failure("the build was stopped: its client went away", 1);
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for a RUN step", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException(e.getCause());
            }
            if (code != 0) {
                throw new Failure("The command '" + String.join(" ", argv) + "' returned a non-zero code: " + code, code);
            }
            commitContainer(s, id, "RUN " + (i.execForm() ? i.json().toString() : "/bin/sh -c " + i.args()), key);
        }

        /** The create request of a step's container, assembled as Docker's JSON from the stage's image config. */
        private ContainerCreate request(ObjectNode create) throws IOException {
            return new ContainerCreate(null, JSON.treeToValue(create, ContainerConfig.class),
                    JSON.treeToValue(create.path("HostConfig"), HostConfig.class), Map.of(), null);
        }

        private boolean running(String id) {
            try {
                return containers.get(id).state().running();
            } catch (EngineException gone) {
                return false;
            }
        }

        private void requireBase(Stage s, Instruction i) {
            if (s.imageId == null) {
                throw new Failure(i.keyword() + " needs a base image with files: this stage is FROM scratch with none yet (line "
                        + i.line() + ")", 1);
            }
        }

        private void copy(Stage s, Instruction i, String args) throws IOException {
            List<String> words = i.execForm() ? i.json().stream().map(w -> Substitution.expand(w, vars(s), '\\')).toList()
                    : List.of(args.split("\\s+"));
            if (words.size() < 2) {
                throw new Failure(i.keyword() + " requires at least two arguments, but only one was provided. Destination could not be determined",
                        1);
            }
            String given = words.getLast();
            String workdir = s.config().path("WorkingDir").asText("/");
            String dest = java.nio.file.Path.of(given.startsWith("/") ? given : (workdir.isEmpty() ? "/" : workdir) + "/" + given)
                    .normalize().toString();
            if (s.imageId == null) {
                // FROM scratch with nothing yet: an image of no layers to copy into
                s.imageId = images.addConfig(JSON.writeValueAsBytes(s.json), null).id().toString();
            }
            // a destination is a directory when it says so (a trailing / or .), when there are several sources, or when
            // the image has a directory there
            String id = containers.create(ContainerCreate.forFiles(s.imageId, "#(nop) " + i.keyword())).container().id();
            made.add(id);
            String destPath = dest;
            boolean existingDir = side.content().files(id, false, null, view -> {
                try {
                    return ContainerFiles.stat(view, destPath + "/.").isDirectory();
                } catch (EngineException missing) {
                    return false;
                }
            });
            boolean destIsDir = given.endsWith("/") || given.endsWith("/.") || given.equals(".") || words.size() > 2 || existingDir;
            Path tar = dir.resolve("copy-" + (++tarCount) + ".tar");
            String from = i.flags().getOrDefault("from", "");
            try (OutputStream o = Files.newOutputStream(tar)) {
                CopySources sources = from.isEmpty()
                        ? CopySources.fromContext(context)
                        : CopySources.fromImage(fromImage(from), side, made);
                sources.write(words.subList(0, words.size() - 1), dest, destIsDir, i.keyword().equals("ADD"),
                        i.flags().get("chmod"), o);
            }
            String key = key(s, i.keyword() + " " + i.flags() + " " + dest, contentDigest(tar));
            if (cached(s, key)) {
                return;     // the container goes with the build's others
            }
            String chown = i.flags().getOrDefault("chown", "");
            side.content().files(id, true, null, view -> {
                int[] owner = chown.isEmpty() ? new int[] {0, 0} : side.content().userIdsOf(Substitution.expand(chown, vars(s), '\\'), view.root());
                try (InputStream in = Files.newInputStream(tar)) {
                    ContainerFiles.extract(view, "/", in, false, owner);
                }
                return null;
            });
            commitContainer(s, id, i.keyword() + " " + String.join(" ", words), key);
        }

        private String fromImage(String from) throws IOException {
            Optional<Stage> st = stageNamed(from);
            if (st.isPresent()) {
                if (st.get().imageId == null) {
                    throw new Failure("COPY --from=" + from + ": the stage has no files", 1);
                }
                return st.get().imageId;
            }
            ImageReference ref = ImageReference.parse(from, null);
            if (images.idOf(ref).isEmpty() && !existsById(from)) {
                puller.pull(ref, out);
            }
            return images.get(from).id().toString();
        }

        // ---- images of the steps ----

        private String key(Stage s, String what, String content) {
            return sha256Text((s.imageId == null ? "scratch" : s.imageId) + "\n" + what + "\n" + content + "\n" + s.json.path("config"));
        }

        private boolean cached(Stage s, String key) throws IOException {
            if (request.noCache()) {
                return false;
            }
            Optional<String> hit = cache.find(key, Run.this::existsById);
            if (hit.isEmpty() || !request.cacheFrom().isEmpty() && !cacheSources().contains(hit.get())) {
                return false;
            }
            s.imageId = hit.get();
            s.json = (ObjectNode) JSON.readTree(images.configBytes(images.get(hit.get()).id()));
            out.stream(" ---> Using cache\n");
            out.stream(" ---> " + Digest.parse(hit.get()).shortHex() + "\n");
            return true;
        }

        /**
         * With {@code cachefrom}, the only images a step may come from the cache as, as dockerd's classic builder
         * has it: those named and the images they were built on; a name that is not there gives none.
         */
        private Set<String> cacheSources() throws IOException {
            if (cacheSources == null) {
                cacheSources = new HashSet<>();
                for (String ref : request.cacheFrom()) {
                    try {
                        for (Image i = images.get(ref); i != null && cacheSources.add(i.id().toString()); ) {
                            i = i.parent().isEmpty() || !existsById(i.parent()) ? null : images.get(i.parent());
                        }
                    } catch (EngineException missing) {
                        out.stream("[Warning] cache from " + ref + ": " + missing.getMessage() + "\n");
                    }
                }
            }
            return cacheSources;
        }

        /** A step that changes only the config: an image of the new config over the same layers. */
        private void commitConfig(Stage s, String instruction) throws IOException {
            String key = key(s, instruction, "");
            ObjectNode config = s.config().deepCopy();
            if (s.imageId != null && cached(s, key)) {
                return;
            }
            ObjectNode json = s.json.deepCopy();
            json.set("config", config);
            String now = Instant.now().toString();
            json.put("created", now);
            ObjectNode h = json.withArrayProperty("history").addObject();
            h.put("created", now).put("created_by", "/bin/sh -c #(nop) " + instruction).put("empty_layer", true);
            Image image = images.addConfig(JSON.writeValueAsBytes(json), s.imageId);
            s.imageId = image.id().toString();
            s.json = json;
            cache.put(key, s.imageId);
            out.stream(" ---> " + image.id().shortHex() + "\n");
        }

        /** A step's container committed as a layer, with the stage's config; the container goes. */
        private void commitContainer(Stage s, String id, String createdBy, String key) throws IOException {
            Image image = side.content().commit(id, new CommitRequest(null, "", null, s.config().deepCopy(), List.of(), "", "",
                    createdBy, true), false);
            made.remove(id);
            if (!runContainers.contains(id) || request.removal().afterSuccess()) {
                containers.remove(id, true, true);
                out.stream("Removing intermediate container " + id.substring(0, 12) + "\n");
            }
            s.imageId = image.id().toString();
            s.json = (ObjectNode) JSON.readTree(images.configBytes(image.id()));
            cache.put(key, s.imageId);
            out.stream(" ---> " + image.id().shortHex() + "\n");
        }
    }

    /** ENV and LABEL: {@code k=v k2="v 2"}, or the legacy {@code k v}. */
    static List<String[]> pairs(String args, Instruction i) {
        List<String[]> out = new ArrayList<>();
        if (!args.contains("=")) {
            String[] kv = args.split("\\s+", 2);
            if (kv.length < 2) {
                throw new Failure(i.keyword() + " requires at least one argument in KEY=VALUE or KEY VALUE form (line " + i.line() + ")", 1);
            }
            out.add(new String[] {kv[0], kv[1]});
            return out;
        }
        var m = java.util.regex.Pattern.compile("([^\\s=]+)=(\"((?:[^\"\\\\]|\\\\.)*)\"|'([^']*)'|((?:[^\\s\\\\]|\\\\.)*))").matcher(args);
        while (m.find()) {
            String v = m.group(3) != null ? m.group(3).replaceAll("\\\\(.)", "$1") : m.group(4) != null ? m.group(4)
                    : m.group(5).replaceAll("\\\\(.)", "$1");
            out.add(new String[] {m.group(1), v});
        }
        return out;
    }

    static String unquote(String v) {
        return v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))
                ? v.substring(1, v.length() - 1) : v;
    }

    /** A Go duration ({@code 30s}, {@code 1m30s}, {@code 500ms}) in nanoseconds. */
    static long goDurationNanos(String v) {
        if (!dev.berth.filters.FilterValues.isGoDuration(v)) {
            throw new Failure("invalid duration: " + v, 1);
        }
        return dev.berth.filters.FilterValues.goDuration(v).toNanos();
    }

    /**
     * What a COPY copies, for its cache key: each entry's name, type, mode, link target and content, not its
     * times (as the classic builder's tarsum v1): a context sent again with the same files hits the cache.
     */
    private static String contentDigest(Path tar) throws IOException {
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(Files.newInputStream(tar), "UTF-8")) {
            var md = Digest.sha256();
            byte[] buf = new byte[1 << 16];
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                md.update((e.getName() + "\0" + (char) e.getLinkFlag() + "\0" + e.getMode() + "\0" + e.getLinkName() + "\0" + e.getSize())
                        .getBytes(StandardCharsets.UTF_8));
                for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        }
    }

    private static String sha256Text(String s) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RUN output as {@code stream} messages, a chunk at a time. */
    /**
     * A RUN step's output as build stream messages, from the log's multiplexed frames: what the step wrote to
     * stderr comes in red, as dockerd's classic builder colours it ({@code ESC[91m} ... {@code ESC[0m}).
     */
    private static final class StepOutput extends OutputStream {
        private static final int HEADER = 8;
        private final Output out;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

        StepOutput(Output out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            pending.write(b, off, len);
            byte[] all = pending.toByteArray();
            int at = 0;
            while (all.length - at >= HEADER) {
                int size = java.nio.ByteBuffer.wrap(all, at + 4, 4).getInt();
                if (all.length - at - HEADER < size) {
                    break;      // the rest of the frame comes with the next write
                }
                String text = new String(all, at + HEADER, size, StandardCharsets.UTF_8);
                out.stream(all[at] == 2 ? "\u001b[91m" + text + "\u001b[0m" : text);
                at += HEADER + size;
            }
            pending.reset();
            pending.write(all, at, all.length - at);
        }
    }
}
