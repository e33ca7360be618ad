package dev.berth.api.container;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.ApiRouter;
import dev.berth.api.RouteTable;
import dev.berth.api.ApiVersion;
import dev.berth.api.BlockingIo;
import dev.berth.api.Json;
import dev.berth.api.QueryParams;
import dev.berth.api.hijack.HijackedStream;
import dev.berth.container.DetachKeys;
import dev.berth.container.exec.Execs;
import dev.berth.container.logs.ContainerLogs;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code docker exec}: create a session, start it (hijacked or detached), inspect it, resize its terminal. */
public final class ExecRoutes implements ApiRouter.Group {

    private final Execs execs;

    public ExecRoutes(Execs execs) {
        this.execs = execs;
    }

    @Override
    public void register(RouteTable routes) {
        routes.withBody(HttpMethod.POST, "/containers/{id}/exec", this::create);
        routes.hijack("/exec/{id}/start", this::start);
        routes.get("/exec/{id}/json", ctx -> {
            boolean before142 = ApiVersion.of(ctx).before(1, 42);
            BlockingIo.respond(ctx, () -> inspect(execs.get(ctx.pathParam("id")), before142), v -> Json.send(ctx, 200, v));
        });
        routes.post("/exec/{id}/resize", ctx -> {
            int h = QueryParams.integer(ctx, "h", 0);
            int w = QueryParams.integer(ctx, "w", 0);
            BlockingIo.respond(ctx, () -> {
                execs.resize(ctx.pathParam("id"), h, w);
                return null;
            }, v -> ctx.response().setStatusCode(200).end());
        });
    }

    private void create(RoutingContext ctx) {
        var body = ctx.body().buffer();
        BlockingIo.respond(ctx, () -> execs.create(ctx.pathParam("id"), Json.convert(Json.object(body), ExecBody.class).config()),
                s -> Json.send(ctx, 201, Map.of("Id", s.id())));
    }

    private void start(RoutingContext ctx) throws IOException {
        JsonNode body = Json.object(ctx.body().buffer());
        String id = ctx.pathParam("id");
        if (body.path("Detach").asBoolean(false)) {
            BlockingIo.respond(ctx, () -> execs.start(id, false), v -> ctx.response().setStatusCode(200).end());
            return;
        }
        // As dockerd: only an unknown session is refused as JSON before the upgrade; a start that fails after it
        // (a second start of the session too: compose's watch starts each exec twice) is a message on stdout
        BlockingIo.run(ctx, () -> execs.get(id)).onSuccess(s -> {
            Execs.Config cfg = s.config();
            // as dockerd: the start request's Tty decides the framing, whatever the exec was created with
            // (docker-py's exec_start sends Tty false for a TTY exec and reads frames)
            boolean raw = body.path("Tty").asBoolean(false);
            var context = ctx.vertx().getOrCreateContext();
            HijackedStream.open(ctx, raw ? HijackedStream.RAW : HijackedStream.MULTIPLEXED).onSuccess(stream -> {
                stream.pause();
                BlockingIo.run(ctx, () -> execs.start(id, true)).onComplete(ar -> {
                    if (ar.failed()) {
                        // as dockerd: the runtime's error on stdout, then the end; ExitCode says 126 or 127
                        byte[] message = (ar.cause().getMessage() + "\r\n").getBytes(StandardCharsets.UTF_8);
                        Buffer out = Buffer.buffer(raw ? message : ContainerLogs.frame(1, message));
                        stream.writeStream().write(out).onComplete(x -> stream.close());
                        return;
                    }
                    var socket = ar.result();
                    stream.resume();
                    AttachRelay.start(AttachRelay.Client.of(stream), context,
                            new AttachRelay.Session(cfg.tty(), cfg.attachStdin() ? socket : null, cfg.detachKeys(), true),
                            AttachRelay.fromSocket(socket, raw, cfg.attachStdout(), cfg.attachStderr()),
                            () -> execs.awaitExit(id), leftEarly -> socket.close());
                });
            }).onFailure(ctx::fail);
        }).onFailure(ctx::fail);
    }

    /**
     * @param before142 a client before API 1.42 (dockerd 20.10's) is told 126 for a command that could not be
     *                  found, as dockerd before 23 answered any exec that could not start; later ones 127
     */
    private static Map<String, Object> inspect(Execs.Session s, boolean before142) {
        Execs.Config c = s.config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("CanRemove", false);
        m.put("ContainerID", s.containerId());
        m.put("DetachKeys", "");
        boolean notStarted = s.pid() == 0 && s.exitCode() != null;
        m.put("ExitCode", before142 && notStarted && s.exitCode() == 127 ? Integer.valueOf(126) : s.exitCode());
        m.put("ID", s.id());
        m.put("OpenStderr", c.attachStderr());
        m.put("OpenStdin", c.attachStdin());
        m.put("OpenStdout", c.attachStdout());
        Map<String, Object> process = new LinkedHashMap<>();
        process.put("arguments", c.cmd().subList(1, c.cmd().size()));
        process.put("entrypoint", c.cmd().getFirst());
        process.put("privileged", c.privileged());
        process.put("tty", c.tty());
        process.put("user", c.user());
        m.put("ProcessConfig", process);
        m.put("Running", s.running());
        m.put("Pid", s.pid());
        return m;
    }

    /** {@code POST /containers/{id}/exec}'s body. */
    private record ExecBody(List<String> cmd, List<String> env, String user, String workingDir, boolean tty, boolean attachStdin,
                            boolean attachStdout, boolean attachStderr, boolean privileged, String detachKeys, List<Integer> consoleSize) {

        Execs.Config config() {
            return new Execs.Config(cmd == null ? List.of() : cmd, env == null ? List.of() : env, user == null ? "" : user,
                    workingDir == null ? "" : workingDir, tty, attachStdin, attachStdout, attachStderr, privileged,
                    DetachKeys.parse(detachKeys == null ? "" : detachKeys),
                    consoleSize != null && consoleSize.size() == 2 && consoleSize.get(0) != null && consoleSize.get(1) != null
                            && consoleSize.get(0) > 0 ? new int[] {consoleSize.get(0), consoleSize.get(1)} : null);
        }
    }
}
