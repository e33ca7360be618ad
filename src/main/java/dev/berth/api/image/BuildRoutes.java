package dev.berth.api.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.ApiRouter;
import dev.berth.api.RouteTable;
import dev.berth.api.BlockingIo;
import dev.berth.api.Json;
import dev.berth.api.QueryParams;
import dev.berth.build.BuildFailure;
import dev.berth.build.Builds;
import dev.berth.container.config.ResourceUpdate;
import dev.berth.errors.EngineException;
import dev.berth.image.ImageReference;
import dev.berth.image.Platform;
import dev.berth.registry.Credentials;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /build}: the classic builder's protocol. The context comes as the body (a tar, plain or
 * gzip), the options as the query; the answer is Docker's JSON message stream ({@code stream} lines,
 * {@code aux} with the image id, {@code errorDetail} with the failing step's exit code).
 */
public final class BuildRoutes implements ApiRouter.Group {

    private final Builds builder;

    public BuildRoutes(Builds builder) {
        this.builder = builder;
    }

    @Override
    public void register(RouteTable routes) {
        routes.post("/build", this::build);
    }

    private void build(RoutingContext ctx) {
        if (notEmpty(ctx.request().getParam("remote"))) {
            throw EngineException.notImplemented("Berth does not implement builds from a remote context (remote=) yet: send the context");
        }
        String version = ctx.request().getParam("version");
        if ("2".equals(version)) {
            throw EngineException.notImplemented("Berth does not implement BuildKit (version=2): build with the classic builder");
        }
        Platform platform = Platform.parse(ctx.request().getParam("platform"), builder.platform());
        if (!platform.matches(builder.platform())) {
            throw EngineException.invalid("Berth builds for " + builder.platform() + " only, not " + platform);
        }
        List<ImageReference> tags = new ArrayList<>();
        for (String t : ctx.queryParam("t")) {
            ImageReference ref = ImageReference.parse(t, null);
            if (ref.digest() != null) {
                throw EngineException.invalid("invalid tag " + t + ": a build is tagged, never named by a digest");
            }
            tags.add(ref.tagged(null));     // "app" is app:latest, as the docker CLI and dockerd read it
        }
        Builds.Request request = new Builds.Request(text(ctx, "dockerfile"), tags, strings(ctx, "buildargs"), strings(ctx, "labels"),
                text(ctx, "target"), QueryParams.bool(ctx, "nocache"), QueryParams.bool(ctx, "pull"), QueryParams.bool(ctx, "q"),
                text(ctx, "networkmode"), extraHosts(ctx), number(ctx, "shmsize"), limits(ctx),
                builder.platform(), removal(ctx), QueryParams.jsonStrings(ctx, "cachefrom"),
                registryConfig(ctx.request().getHeader("X-Registry-Config")));
        InputStream body = BlockingIo.requestBody(ctx);
        ctx.response().putHeader("Content-Type", "application/json");
        BlockingIo.respond(ctx, () -> {
            try (body; OutputStream out = BlockingIo.responseBody(ctx)) {
                Builds.Output output = request.quiet() ? quiet(out, ctx) : output(out, ctx);
                try {
                    builder.build(body, request, output);
                } catch (BuildFailure | EngineException | IOException e) {
                    if (!ctx.response().headWritten()) {
                        throw e;        // nothing sent yet: a plain error, as dockerd answers (no Dockerfile, a bad context)
                    }
                    message(out, e instanceof BuildFailure f
                            ? Map.of("errorDetail", Map.of("code", f.code(), "message", f.getMessage()), "error", f.getMessage())
                            : Json.errorMessage(e.getMessage()));
                }
            }
            return null;
        }, v -> ctx.response().end());
    }

    private static Builds.Output output(OutputStream out, RoutingContext ctx) {
        return new ToClient(out, ctx) {
            @Override
            public void stream(String text) throws IOException {
                message(out, Map.of("stream", text));
            }
        };
    }

    /** A build's output to the client that asked for it (each stage's image id as aux); the build stops once that client has gone. */
    private abstract static class ToClient implements Builds.Output {
        private final RoutingContext ctx;
        final OutputStream out;

        ToClient(OutputStream out, RoutingContext ctx) {
            this.out = out;
            this.ctx = ctx;
        }

        @Override
        public void aux(String imageId) throws IOException {
            message(out, Map.of("aux", Map.of("ID", imageId)));
        }

        @Override
        public boolean clientGone() {
            return ctx.response().closed();
        }
    }

    /** {@code -q}: the stages' aux messages and the image's id, as dockerd answers a quiet build. */
    private static Builds.Output quiet(OutputStream out, RoutingContext ctx) {
        return new ToClient(out, ctx) {
            @Override
            public void stream(String text) {
                // steps and their output are not shown
            }

            @Override
            public void built(String imageId) throws IOException {
                message(out, Map.of("stream", imageId + "\n"));
            }
        };
    }

    private static void message(OutputStream out, Map<String, ?> m) throws IOException {
        out.write(Json.encode(m).appendString("\n").getBytes());
        out.flush();        // one message per chunk, as dockerd sends them
    }

    /** {@code X-Registry-Config}: base64 JSON of registry → AuthConfig, for the base images' pulls. */
    private static Map<String, Credentials> registryConfig(String header) {
        Map<String, Credentials> out = new LinkedHashMap<>();
        if (header == null || header.isBlank()) {
            return out;
        }
        try {
            JsonNode all = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(header.strip().replace('+', '-').replace('/', '_')));
            all.properties().forEach(e -> out.put(e.getKey().replaceFirst("^https?://", "").replaceFirst("/.*$", ""),
                    Credentials.of(e.getValue())));
        } catch (IOException | IllegalArgumentException e) {
            throw EngineException.invalid("invalid X-Registry-Config header");
        }
        return out;
    }

    private static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }

    private static String text(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        return v == null ? "" : v;
    }

    private static long number(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        if (v == null || v.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw EngineException.invalid("invalid " + name + ": " + v);
        }
    }

    /** {@code buildargs} and {@code labels}: a JSON object of strings (a null value: the arg as the environment has it, none here). */
    private static Map<String, String> strings(RoutingContext ctx, String name) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode n = QueryParams.jsonObject(ctx, name);
        if (n != null) {
            n.properties().forEach(e -> out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText()));
        }
        return out;
    }

    /** dockerd's rm (true unless given false) and forcerm (which implies rm). */
    private static Builds.Removal removal(RoutingContext ctx) {
        boolean force = QueryParams.bool(ctx, "forcerm");
        String rm = ctx.request().getParam("rm");
        return new Builds.Removal(force || rm == null || rm.isEmpty() || QueryParams.bool(ctx, "rm"), force);
    }

    /** The RUN steps' limits: memory and the CPU settings (zero, or less: not set). */
    private static ResourceUpdate limits(RoutingContext ctx) {
        return new ResourceUpdate(Math.max(0, number(ctx, "memory")), 0, 0, 0, Math.max(0, number(ctx, "cpushares")),
                Math.max(0, number(ctx, "cpuquota")), Math.max(0, number(ctx, "cpuperiod")), ctx.request().getParam("cpusetcpus"),
                ctx.request().getParam("cpusetmems"), null, 0, null);
    }

    private static List<String> extraHosts(RoutingContext ctx) {
        // every value, as moby reads r.Form["extrahosts"] (docker-py repeats the parameter), each a list too
        List<String> out = new ArrayList<>();
        for (String v : ctx.queryParam("extrahosts")) {
            for (String h : v.split(",")) {
                if (!h.isBlank()) {
                    out.add(h.strip());
                }
            }
        }
        return out;
    }
}
