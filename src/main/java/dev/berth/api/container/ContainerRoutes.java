package dev.berth.api.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.ApiRouter;
import dev.berth.api.RouteTable;
import dev.berth.api.ApiVersion;
import dev.berth.api.BlockingIo;
import dev.berth.api.Json;
import dev.berth.api.QueryParams;
import dev.berth.api.hijack.HijackedStream;
import dev.berth.container.Container;
import dev.berth.container.ContainerFilter;
import dev.berth.container.ContainerLifecycle;
import dev.berth.container.ContainerState;
import dev.berth.container.ContainerStreams;
import dev.berth.container.ContainerViews;
import dev.berth.container.DetachKeys;
import dev.berth.container.LegacyLinks;
import dev.berth.container.config.ResourceUpdate;
import dev.berth.container.logs.ContainerLogs;
import dev.berth.container.stats.StatsSample;
import dev.berth.errors.EngineException;
import dev.berth.image.Platform;
import dev.berth.runtime.AttachSocket;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Container lifecycle routes: create, start, stop, kill, restart, wait, delete, inspect, list, logs. */
public final class ContainerRoutes implements ApiRouter.Group {

    private final ContainerLifecycle engine;
    private final ContainerViews views;
    private final ContainerStreams streams;
    private final LegacyLinks links;
    private final String storageDriver;

    public ContainerRoutes(ContainerLifecycle lifecycle, ContainerViews views, ContainerStreams streams, LegacyLinks links,
                           String storageDriver) {
        this.engine = lifecycle;
        this.views = views;
        this.streams = streams;
        this.links = links;
        this.storageDriver = storageDriver;
    }

    @Override
    public void register(RouteTable routes) {
        routes.withBody(HttpMethod.POST, "/containers/create", this::create);
        routes.get("/containers/json", this::list);
        routes.get("/containers/{id}/json", ctx -> {
            boolean size = QueryParams.bool(ctx, "size");
            ApiVersion version = ApiVersion.of(ctx);
            blocking(ctx, () -> ContainerResponses.inspect(views.inspect(ctx.pathParam("id"), size), storageDriver, views::networkId,
                    views::volumeDir, version));
        });
        routes.post("/containers/{id}/start", ctx -> status(ctx, () -> engine.start(ctx.pathParam("id")) ? 204 : 304));
        routes.post("/containers/{id}/stop", ctx -> status(ctx, () -> engine.stop(ctx.pathParam("id"), timeout(ctx)) ? 204 : 304));
        routes.post("/containers/{id}/restart", ctx -> status(ctx, () -> {
            engine.restart(ctx.pathParam("id"), timeout(ctx));
            return 204;
        }));
        routes.post("/containers/{id}/pause", ctx -> status(ctx, () -> {
            engine.pause(ctx.pathParam("id"), true);
            return 204;
        }));
        routes.post("/containers/{id}/unpause", ctx -> status(ctx, () -> {
            engine.pause(ctx.pathParam("id"), false);
            return 204;
        }));
        routes.post("/containers/{id}/rename", ctx -> status(ctx, () -> {
            engine.rename(ctx.pathParam("id"), ctx.request().getParam("name"));
            return 204;
        }));
        routes.get("/containers/{id}/top", ctx -> blocking(ctx, () -> {
            var table = streams.top(ctx.pathParam("id"), ctx.request().getParam("ps_args"));
            return Map.of("Titles", table.getFirst(), "Processes", table.subList(1, table.size()));
        }));
        routes.post("/containers/{id}/kill", ctx -> status(ctx, () -> {
            engine.kill(ctx.pathParam("id"), ctx.request().getParam("signal"));
            return 204;
        }));
        routes.delete("/containers/{id}", ctx -> status(ctx, () -> {
            if (QueryParams.bool(ctx, "link")) {
                links.removeLink("", ctx.pathParam("id"));     // a name without its parent: not a link
            }
            engine.remove(ctx.pathParam("id"), QueryParams.bool(ctx, "force"), QueryParams.bool(ctx, "v"));
            return 204;
        }));
        // a legacy link's name, parent/alias: link=1 removes the link, else it names the linked container, as with dockerd
        routes.delete("/containers/{parent}/{alias}", ctx -> status(ctx, () -> {
            String parent = ctx.pathParam("parent");
            String alias = ctx.pathParam("alias");
            if (QueryParams.bool(ctx, "link")) {
                links.removeLink(parent, alias);
            } else {
                engine.remove(links.linkTarget(parent, alias), QueryParams.bool(ctx, "force"), QueryParams.bool(ctx, "v"));
            }
            return 204;
        }));
        routes.withBody(HttpMethod.POST, "/containers/{id}/update", ctx -> {
            var body = ctx.body().buffer();
            boolean before140 = ApiVersion.of(ctx).before(1, 40);
            blocking(ctx, () -> {
                ObjectNode changes = Json.object(body);
                if (before140) {
                    changes.remove("PidsLimit");      // not part of an update before API 1.40: moby drops it too
                }
                RequestShape.checkUpdate(changes);
                return Map.of("Warnings", engine.update(ctx.pathParam("id"), Json.convert(changes, ResourceUpdate.class)));
            });
        });
        routes.post("/containers/prune", ctx -> {
            var which = ContainerFilter.of(QueryParams.filters(ctx, ContainerFilter.PRUNE_KEYS), engine);
            blocking(ctx, () -> {
                ContainerLifecycle.Pruned p = engine.prune(which);
                return Map.of("ContainersDeleted", p.ids(), "SpaceReclaimed", p.spaceReclaimed());
            });
        });
        routes.get("/containers/{id}/stats", this::stats);
        routes.post("/containers/{id}/wait", this::waitFor);
        routes.get("/containers/{id}/logs", this::logs);
        routes.hijack("/containers/{id}/attach", this::attach);
        routes.get("/containers/{id}/attach/ws", this::attachWebSocket);
        routes.post("/containers/{id}/resize", ctx -> {
            int h = QueryParams.integer(ctx, "h", 0);
            int w = QueryParams.integer(ctx, "w", 0);
            status(ctx, () -> {
                streams.resize(ctx.pathParam("id"), h, w);
                return 200;
            });
        });
    }

    private interface Work<T> {
        T run() throws Exception;
    }

    private static <T> void blocking(RoutingContext ctx, Work<T> work) {
        BlockingIo.respond(ctx, work::run, v -> Json.send(ctx, 200, v));
    }

    private static void status(RoutingContext ctx, Work<Integer> work) {
        BlockingIo.respond(ctx, work::run, code -> ctx.response().setStatusCode(code).end());
    }

    private static Integer timeout(RoutingContext ctx) {
        String t = ctx.request().getParam("t");
        if (t == null || t.isEmpty()) {
            return null;
        }
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw EngineException.invalid("invalid value for t: " + t);
        }
    }

    private void create(RoutingContext ctx) {
        var body = ctx.body().buffer();
        String name = ctx.request().getParam("name");
        ApiVersion version = ApiVersion.of(ctx);
        String platform = version.before(1, 41) ? null : ctx.request().getParam("platform");     // as moby: from 1.41
        blockingCreated(ctx, () -> {
            ObjectNode request = Json.object(body);     // parsed here, off the event loop
            RequestShape.checkCreate(request);
            CreateByVersion.apply(request, version);
            return engine.create(RequestShape.create(request, name,
                    platform == null || platform.isEmpty() ? null : Platform.parse(platform, Platform.host())));
        });
    }

    private static void blockingCreated(RoutingContext ctx, Work<ContainerLifecycle.Created> work) {
        BlockingIo.respond(ctx, work::run,
                c -> Json.send(ctx, 201, Map.of("Id", c.container().id(), "Warnings", c.warnings())));
    }

    private void list(RoutingContext ctx) {
        var query = new ContainerViews.Query(QueryParams.bool(ctx, "all"), QueryParams.integer(ctx, "limit", -1),
                QueryParams.bool(ctx, "size"), QueryParams.filters(ctx, ContainerFilter.KEYS));
        blocking(ctx, () -> views.list(query).stream().map(l -> ContainerResponses.summary(l, views::volumeDir)).toList());
    }

    private void waitFor(RoutingContext ctx) {
        String condition = ctx.request().getParam("condition");
        ContainerLifecycle.WaitCondition c = switch (condition == null || condition.isEmpty() ? "not-running" : condition) {
            case "not-running" -> ContainerLifecycle.WaitCondition.NOT_RUNNING;
            case "next-exit" -> ContainerLifecycle.WaitCondition.NEXT_EXIT;
            case "removed" -> ContainerLifecycle.WaitCondition.REMOVED;
            default -> throw EngineException.invalid("invalid condition: \"" + condition + "\"");
        };
        var future = engine.waitFor(ctx.pathParam("id"), c);
        // Headers go out at once, as dockerd does: clients see the wait is registered before they start the container.
        ctx.response().closeHandler(v -> future.cancel(false));   // the client gave up waiting (docker run -d does)
        ctx.response().setChunked(true).putHeader("Content-Type", "application/json").setStatusCode(200).writeHead();
        io.vertx.core.Future.fromCompletionStage(future, ctx.vertx().getOrCreateContext())
                .onSuccess(code -> {
                    Map<String, Object> body = new java.util.LinkedHashMap<>();
                    body.put("StatusCode", code);
                    body.put("Error", null);    // a non-null Error is a failed wait to the docker CLI
                    ctx.response().end(Json.encode(body).appendString("\n"));
                })
                .onFailure(e -> {
                    if (!(e instanceof java.util.concurrent.CancellationException)) {
                        ctx.fail(e);
                    }
                });
    }

    /** What an attach asked for, checked before any upgrade. */
    private record AttachRequest(Container container, boolean stdin, boolean stdout, boolean stderr, boolean stream,
                                 boolean logs, DetachKeys detachKeys) {
        static AttachRequest of(RoutingContext ctx, ContainerLifecycle engine) {
            Container c = engine.get(ctx.pathParam("id"));
            AttachRequest r = new AttachRequest(c, QueryParams.bool(ctx, "stdin"), QueryParams.bool(ctx, "stdout"),
                    QueryParams.bool(ctx, "stderr"), QueryParams.bool(ctx, "stream"), QueryParams.bool(ctx, "logs"),
                    DetachKeys.parse(ctx.request().getParam("detachKeys")));
            if (!r.stdin && !r.stdout && !r.stderr) {
                throw EngineException.invalid("at least one of stdin, stdout and stderr must be chosen");
            }
            if (!r.stream && !r.logs) {
                throw EngineException.invalid("at least one of stream and logs must be chosen");
            }
            return r;
        }

        /** Output: the log (replayed, then followed while streaming: one source, so no gap and no repeat), or the live socket. */
        AttachRelay.Output output(ContainerStreams streams, AttachSocket socket, boolean raw) {
            if (!logs) {
                return AttachRelay.fromSocket(socket, raw, stdout, stderr);
            }
            var options = new ContainerLogs.Options(stdout, stderr, false, -1, null, null, stream);
            java.util.function.BooleanSupplier live = socket == null ? () -> false : whileOpen(socket);
            return out -> streams.logs(container.id(), options, raw, out, live);
        }

        /**
         * Whether the container's process still has its stdio, read off the attach socket: the log is followed
         * until conmon hangs up, also for a container attached before its start (it is not running yet when the
         * socket connects). What comes over the socket is in the log too, so it is drained and dropped.
         */
        private static java.util.function.BooleanSupplier whileOpen(AttachSocket socket) {
            java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread.ofPlatform().daemon().name("attach-drain").start(() -> {
                try {
                    while (socket.read(0) != null) {
                        // dropped: the log has it
                    }
                } catch (java.io.IOException gone) {
                    // hung up
                }
                open.set(false);
            });
            return open::get;
        }

        /** Relays until the output ends or the client leaves; the socket (null without stream=1) goes with the session. */
        void relay(AttachRelay.Client client, io.vertx.core.Context context, AttachSocket socket, boolean raw,
                   ContainerStreams streams) {
            AttachRelay.start(client, context, new AttachRelay.Session(container.tty(), stdin ? socket : null, detachKeys,
                    container.config().stdinOnce()),
                    output(streams, socket, raw), () -> { }, leftEarly -> {
                        if (socket != null) {
                            socket.close();
                        }
                        if (!leftEarly) {
                            return;     // the output ended (the container exited): not a detach
                        }
                        // the client left (or detached with its keys) while the container may run on
                        Thread.ofVirtual().start(() -> streams.detached(container.id()));
                    });
        }
    }

    private void attach(RoutingContext ctx) {
        AttachRequest r = AttachRequest.of(ctx, engine);
        Container c = r.container();
        BlockingIo.respond(ctx, () -> r.stream() ? streams.attach(c.id()) : CompletableFuture.<AttachSocket>completedFuture(null),
                socketFuture -> HijackedStream.open(ctx, c.tty() ? HijackedStream.RAW : HijackedStream.MULTIPLEXED)
                        .onSuccess(stream -> relayOnceAttached(ctx, r, AttachRelay.Client.of(stream), socketFuture, c.tty()))
                        .onFailure(ctx::fail));
    }

    /** The same session over a WebSocket, for browsers: binary messages carry raw bytes both ways (API >= 1.28). */
    private void attachWebSocket(RoutingContext ctx) {
        AttachRequest r = AttachRequest.of(ctx, engine);
        // the handshake must start before the request is read to its end, that is, now
        ctx.request().toWebSocket().onSuccess(ws -> {
            ws.pause();
            BlockingIo.run(ctx, () -> r.stream() ? streams.attach(r.container().id()) : CompletableFuture.<AttachSocket>completedFuture(null))
                    .onSuccess(socketFuture -> relayOnceAttached(ctx, r, AttachRelay.Client.of(ws), socketFuture, true))
                    .onFailure(e -> ws.close((short) 1011, e.getMessage()));
        }).onFailure(ctx::fail);
    }

    /** The client waits (paused) until the container's stdio is there: at once, or at the container's next start. */
    private void relayOnceAttached(RoutingContext ctx, AttachRequest r, AttachRelay.Client client,
                                   CompletableFuture<AttachSocket> socketFuture, boolean raw) {
        var context = ctx.vertx().getOrCreateContext();
        boolean[] gone = {false};   // on the context only: the client left before the relay could hear of it
        client.closeHandler(v -> {
            gone[0] = true;
            socketFuture.cancel(false);
        });
        if (r.stdin()) {
            client.pause();         // what it sends before the container starts is its stdin: kept for it
        } else {
            client.handler(b -> { });   // nothing of it goes in; the CLI half-closes at once, and stays
        }
        socketFuture.whenComplete((socket, error) -> context.runOnContext(v -> {
            if (error != null || gone[0]) {
                if (socket != null) {
                    socket.close();
                }
                client.close();
                return;
            }
            client.resume();
            r.relay(client, context, socket, raw, streams);
        }));
    }

    /**
     * A sample a second while {@code stream} (the default); otherwise one, taken a second after a first so
     * that precpu_stats is filled (what docker stats --no-stream shows), or at once with {@code one-shot}.
     */
    private void stats(RoutingContext ctx) {
        String id = engine.get(ctx.pathParam("id")).id();
        String streamParam = ctx.request().getParam("stream");
        boolean stream = streamParam == null || streamParam.isEmpty() || QueryParams.bool(ctx, "stream");
        boolean oneShot = QueryParams.bool(ctx, "one-shot");
        if (stream && oneShot) {
            throw EngineException.invalid("cannot have stream=true and one-shot=true");
        }
        var mode = stream ? ContainerStreams.StatsMode.STREAM : oneShot ? ContainerStreams.StatsMode.ONE_SHOT : ContainerStreams.StatsMode.ONE;
        ctx.response().putHeader("Content-Type", "application/json");
        BlockingIo.respond(ctx, () -> {
            try (OutputStream out = BlockingIo.responseBody(ctx)) {
                streams.stats(id, mode, (now, previous) -> {
                    ObjectNode sample = Json.MAPPER.valueToTree(now);
                    sample.put("preread", previous == null ? ContainerState.ZERO_TIME : previous.read());
                    sample.set("precpu_stats", previous == null ? ZERO_CPU : Json.MAPPER.valueToTree(previous.cpuStats()));
                    out.write(Json.MAPPER.writeValueAsBytes(sample));
                    out.write('\n');
                    out.flush();
                });
            }
            return null;
        }, v -> ctx.response().end());
    }

    /** precpu_stats of a first sample, as dockerd sends it. */
    private static final JsonNode ZERO_CPU = Json.MAPPER.valueToTree(StatsSample.Cpu.ZERO);

    private void logs(RoutingContext ctx) {
        Container c = engine.get(ctx.pathParam("id"));
        boolean stdout = QueryParams.bool(ctx, "stdout");
        boolean stderr = QueryParams.bool(ctx, "stderr");
        if (!stdout && !stderr) {
            throw EngineException.invalid("Bad parameters: you must choose at least one stream");
        }
        if (!c.keepsLog()) {
            throw EngineException.notImplemented("configured logging driver does not support reading");
        }
        String tail = ctx.request().getParam("tail");
        var options = new ContainerLogs.Options(stdout, stderr, QueryParams.bool(ctx, "timestamps"),
                tail != null && tail.toLowerCase(Locale.ROOT).equals("all") ? -1 : QueryParams.integer(ctx, "tail", -1),
                time(ctx.request().getParam("since")), time(ctx.request().getParam("until")), QueryParams.bool(ctx, "follow"));
        ctx.response().putHeader("Content-Type", c.tty() ? HijackedStream.RAW : HijackedStream.MULTIPLEXED);
        if (options.follow()) {
            // the head goes out now, as dockerd sends it: a client following a quiet container is not left
            // waiting for it (docker-py times such a read out)
            ctx.response().setChunked(true).setStatusCode(200).writeHead();
        }
        BlockingIo.respond(ctx, () -> {
            try (OutputStream out = BlockingIo.responseBody(ctx)) {
                streams.logs(c.id(), options, c.tty(), out);
            }
            return null;
        }, v -> ctx.response().end());
    }

    private static Instant time(String v) {
        if (v == null || v.isEmpty() || v.equals("0")) {
            return null;
        }
        try {
            return v.matches("\\d+(\\.\\d+)?") ? Instant.ofEpochMilli((long) (Double.parseDouble(v) * 1000)) : Instant.parse(v);
        } catch (RuntimeException e) {
            throw EngineException.invalid("invalid time: " + v);
        }
    }
}
