package dev.berth.build;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.container.ContainerLifecycle;
import dev.berth.container.Containers;
import dev.berth.container.config.ContainerConfig;
import dev.berth.container.config.ContainerCreate;
import dev.berth.container.config.HostConfig;
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
import dev.berth.registry.Credentials;
import dev.berth.registry.ImageTransfers;
import dev.berth.registry.TransferEvent;
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
public final class Builder implements Builds {

    private static final ObjectMapper JSON = EngineJson.MAPPER;
    /** The build args every Dockerfile may use without declaring them (dockerd's predefined ones). */
    private static final Set<String> PREDEFINED_ARGS = Set.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
            "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy");

    private final ContainerLifecycle containers;
    private final Containers side;
    private final ImageStore images;
    private final BuildCache cache;
    private final StepContainer stepContainers;
    private final Path scratch;

    private final ImageTransfers transfers;

    /** @param transfers where base images that are not here come from */
    public Builder(Path root, Containers containers, ImageStore images, ImageTransfers transfers) throws IOException {
        this.transfers = transfers;
        this.containers = containers.lifecycle();
        this.side = containers;
        this.images = images;
        this.cache = new BuildCache(root);
        this.stepContainers = new StepContainer(this.containers, containers.streams());
        this.scratch = Files.createDirectories(root.resolve("build").resolve("tmp"));
        try (var left = Files.list(scratch)) {
            for (Path p : left.toList()) {
                FileTrees.delete(p);     // a build a crash cut short
            }
        }
    }

    @Override
    public Platform platform() {
        return transfers.platform();
    }

    @Override
    public Digest build(InputStream contextTar, Request request, Output out) throws IOException {
        Path dir = Files.createTempDirectory(scratch, "build-");
        List<String> made = new ArrayList<>();      // every container not committed and kept yet: a RUN step's, or a helper
        Set<String> runContainers = new HashSet<>();         // of those, the RUN steps'
        try {
            Path context = Files.createDirectories(dir.resolve("context"));
            ContainerFiles.extract(new ContainerView("the build context", context, Map.of(), Set.of()), "/", contextTar, false, null);
            String dockerfileName = request.dockerfile().isEmpty() ? "Dockerfile" : request.dockerfile();
            byte[] dockerfile = ScopedPath.read(context, dockerfileName, 4 << 20).orElseThrow(() -> new BuildFailure(
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
            Run run = new Run(request, out, context, dir, made, runContainers);
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
        final Map<String, String> globalArgs = new LinkedHashMap<>();
        final Set<String> consumed = new LinkedHashSet<>();
        final List<BuildStage> stages = new ArrayList<>();
        int step;
        int steps;
        int tarCount;
        Set<String> cacheSources;       // see cacheSources()

        Run(Request request, Output out, Path context, Path dir, List<String> made, Set<String> runContainers) {
            this.request = request;
            this.out = out;
            this.context = context;
            this.dir = dir;
            this.made = made;
            this.runContainers = runContainers;
        }

        Digest all(List<Instruction> instructions) throws IOException {
            if (!instructions.getFirst().keyword().equals("FROM") && !instructions.getFirst().keyword().equals("ARG")) {
                throw new BuildFailure("failed to parse Dockerfile: the first instruction must be FROM (or ARG), not "
                        + instructions.getFirst().keyword(), 1);
            }
            steps = instructions.size();
            BuildStage stage = null;
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
                throw new BuildFailure("failed to parse Dockerfile: no FROM instruction", 1);
            }
            if (!request.target().isEmpty() && stages.stream().noneMatch(s -> request.target().equals(s.name))) {
                throw new BuildFailure("failed to reach build target " + request.target() + " in Dockerfile", 1);
            }
            BuildStage last = stages.stream().filter(s -> request.target().equals(s.name)).findFirst().orElse(stage);
            if (!request.labels().isEmpty()) {
                ObjectNode labels = last.config().withObjectProperty("Labels");
                request.labels().forEach(labels::put);
                commitConfig(last, "LABEL " + request.labels());
            }
            if (last.imageId == null) {
                throw new BuildFailure("No image was generated. Is your Dockerfile empty?", 1);
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
                throw new BuildFailure("the build was stopped: its client went away", 1);
            }
            out.stream("Step " + step + "/" + steps + " : " + i.original() + "\n");
        }

        private void globalArg(Instruction i) throws IOException {
            if (!i.keyword().equals("ARG")) {
                throw new BuildFailure("failed to parse Dockerfile: " + i.keyword() + " before the first FROM (line " + i.line() + ")", 1);
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

        private BuildStage from(Instruction i) throws IOException {
            announce(i);
            String platform = Substitution.expand(i.flags().getOrDefault("platform", ""), globalArgs, '\\');
            boolean served;
            try {
                served = Platform.parse(platform, request.platform()).matches(request.platform());
            } catch (EngineException bad) {
                throw new BuildFailure("FROM --platform=" + platform + ": " + bad.getMessage() + " (line " + i.line() + ")", 1);
            }
            if (!served) {
                throw new BuildFailure("FROM --platform=" + platform + ": Berth builds for " + request.platform() + " only (line " + i.line() + ")", 1);
            }
            String[] words = Substitution.expand(i.args(), globalArgs, '\\').split("\\s+");
            String base = words[0];
            String name = words.length == 3 && words[1].equalsIgnoreCase("AS") ? words[2].toLowerCase(java.util.Locale.ROOT) : "";
            if (words.length != 1 && name.isEmpty()) {
                throw new BuildFailure("FROM requires either one or three arguments (line " + i.line() + ")", 1);
            }
            BuildStage stage = new BuildStage(name);
            Optional<BuildStage> earlier = stageNamed(base);
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
                    pullBase(ref);
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

        /** A base image from a registry, with the build's credentials for it; the pull's status lines as stream lines. */
        private void pullBase(ImageReference ref) throws IOException {
            Map<String, Credentials> auth = request.registryAuth();
            Credentials creds = auth.getOrDefault(ref.domain(), auth.getOrDefault("https://" + ref.domain(), Credentials.NONE));
            transfers.pull(ref, transfers.platform(), creds).run(event -> {
                if (event instanceof TransferEvent.Status s) {     // the pull's own lines; no layer's steps or bytes
                    out.stream((s.id() == null ? "" : s.id() + ": ") + s.status() + "\n");
                }
            });
        }

        private boolean existsById(String ref) {
            try {
                images.get(ref);
                return true;
            } catch (EngineException e) {
                return false;
            }
        }

        private Optional<BuildStage> stageNamed(String ref) {
            if (ref.matches("\\d+") && Integer.parseInt(ref) < stages.size()) {
                return Optional.of(stages.get(Integer.parseInt(ref)));
            }
            return stages.stream().filter(s -> !s.name.isEmpty() && s.name.equalsIgnoreCase(ref)).findFirst();
        }

        private void dispatch(BuildStage s, Instruction i) throws IOException {
            announce(i);
            String args = switch (i.keyword()) {
                case "RUN", "CMD", "ENTRYPOINT", "SHELL", "HEALTHCHECK", "ONBUILD" -> i.args();
                default -> Substitution.expand(i.args(), s.vars(), '\\');
            };
            switch (i.keyword()) {
                case "RUN" -> run(s, i);
                case "COPY", "ADD" -> copy(s, i, args);
                case "ARG" -> {
                    arg(s.args, args);
                    out.stream(" ---> " + (s.imageId == null ? "" : Digest.parse(s.imageId).shortHex()) + "\n");
                }
                default -> {
                    ConfigInstructions.apply(s, i, args);
                    commitConfig(s, i.original());
                }
            }
        }

        // ---- steps that make layers ----

        private void run(BuildStage s, Instruction i) throws IOException {
            if (!i.flags().isEmpty()) {
                throw new BuildFailure("the --" + i.flags().keySet().iterator().next() + " option requires BuildKit, which Berth does not run:"
                        + " the classic builder takes RUN without options (line " + i.line() + ")", 1);
            }
            requireBase(s, i);
            List<String> argv = ConfigInstructions.command(s, i);
            Map<String, String> env = new LinkedHashMap<>(s.args);
            String key = key(s, "RUN " + argv + " " + env, "");
            if (cached(s, key)) {
                return;
            }
            List<String> envs = new ArrayList<>();
            s.config().path("Env").forEach(e -> envs.add(e.asText()));
            env.forEach((k, v) -> envs.add(k + "=" + v));
            ContainerConfig config = ContainerConfig.forCommand(s.imageId, argv, envs, s.config().path("WorkingDir").asText(""),
                    s.config().path("User").asText(""));
            HostConfig hostConfig = HostConfig.forBuildStep(request.networkMode().isEmpty() ? "default" : request.networkMode(),
                    request.shmSize(), request.extraHosts(), request.limits());
            String id = containers.create(new ContainerCreate(null, config, hostConfig, Map.of(), null)).container().id();
            made.add(id);
            runContainers.add(id);
            out.stream(" ---> Running in " + id.substring(0, 12) + "\n");
            // a cancelled build's container goes, as dockerd removes it
            int code = stepContainers.run(id, out, request.quiet(), () -> runContainers.remove(id));
            if (code != 0) {
                throw new BuildFailure("The command '" + String.join(" ", argv) + "' returned a non-zero code: " + code, code);
            }
            commitContainer(s, id, "RUN " + (i.execForm() ? i.json().toString() : "/bin/sh -c " + i.args()), key);
        }

        private void requireBase(BuildStage s, Instruction i) {
            if (s.imageId == null) {
                throw new BuildFailure(i.keyword() + " needs a base image with files: this stage is FROM scratch with none yet (line "
                        + i.line() + ")", 1);
            }
        }

        private void copy(BuildStage s, Instruction i, String args) throws IOException {
            List<String> words = i.execForm() ? i.json().stream().map(w -> Substitution.expand(w, s.vars(), '\\')).toList()
                    : List.of(args.split("\\s+"));
            if (words.size() < 2) {
                throw new BuildFailure(i.keyword() + " requires at least two arguments, but only one was provided. Destination could not be determined",
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
            String key = key(s, i.keyword() + " " + i.flags() + " " + dest, BuildCache.contentDigest(tar));
            if (cached(s, key)) {
                return;     // the container goes with the build's others
            }
            String chown = i.flags().getOrDefault("chown", "");
            side.content().files(id, true, null, view -> {
                int[] owner = chown.isEmpty() ? new int[] {0, 0} : side.content().userIdsOf(Substitution.expand(chown, s.vars(), '\\'), view.root());
                try (InputStream in = Files.newInputStream(tar)) {
                    ContainerFiles.extract(view, "/", in, false, owner);
                }
                return null;
            });
            commitContainer(s, id, i.keyword() + " " + String.join(" ", words), key);
        }

        private String fromImage(String from) throws IOException {
            Optional<BuildStage> st = stageNamed(from);
            if (st.isPresent()) {
                if (st.get().imageId == null) {
                    throw new BuildFailure("COPY --from=" + from + ": the stage has no files", 1);
                }
                return st.get().imageId;
            }
            ImageReference ref = ImageReference.parse(from, null);
            if (images.idOf(ref).isEmpty() && !existsById(from)) {
                pullBase(ref);
            }
            return images.get(from).id().toString();
        }

        // ---- images of the steps ----

        private String key(BuildStage s, String what, String content) {
            return BuildCache.key((s.imageId == null ? "scratch" : s.imageId) + "\n" + what + "\n" + content + "\n" + s.json.path("config"));
        }

        private boolean cached(BuildStage s, String key) throws IOException {
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
        private void commitConfig(BuildStage s, String instruction) throws IOException {
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
        private void commitContainer(BuildStage s, String id, String createdBy, String key) throws IOException {
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

    static String unquote(String v) {
        return v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))
                ? v.substring(1, v.length() - 1) : v;
    }

    /** RUN output as {@code stream} messages, a chunk at a time. */
}
