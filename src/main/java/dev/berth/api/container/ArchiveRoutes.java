package dev.berth.api.container;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.ApiRouter;
import dev.berth.api.RouteTable;
import dev.berth.api.BlockingIo;
import dev.berth.api.Json;
import dev.berth.api.QueryParams;
import dev.berth.container.ContainerArchives;
import dev.berth.errors.EngineException;
import dev.berth.files.PathStat;
import dev.berth.image.CommitRequest;
import dev.berth.image.ImageReference;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * A container's files: {@code docker cp} both ways ({@code /archive}), {@code docker export},
 * {@code docker diff} ({@code /changes}) and {@code docker commit}.
 */
public final class ArchiveRoutes implements ApiRouter.Group {

    private static final String STAT_HEADER = "X-Docker-Container-Path-Stat";

    private final ContainerArchives archives;

    public ArchiveRoutes(ContainerArchives archives) {
        this.archives = archives;
    }

    @Override
    public void register(RouteTable routes) {
        routes.head("/containers/{id}/archive", ctx -> {
            String path = path(ctx);
            BlockingIo.respond(ctx, () -> archives.stat(ctx.pathParam("id"), path),
                    stat -> ctx.response().putHeader(STAT_HEADER, stat.header()).setStatusCode(200).end());
        });
        routes.get("/containers/{id}/archive", ctx -> {
            String path = path(ctx);
            BlockingIo.respond(ctx, () -> {
                archives.archive(ctx.pathParam("id"), path, stat -> open(ctx, stat));
                return null;
            }, v -> ctx.response().end());
        });
        routes.put("/containers/{id}/archive", ctx -> {
            String path = path(ctx);
            boolean noOverwrite = QueryParams.bool(ctx, "noOverwriteDirNonDir");
            boolean copyOwner = QueryParams.bool(ctx, "copyUIDGID");
            InputStream body = BlockingIo.requestBody(ctx);
            BlockingIo.respond(ctx, () -> {
                try (body) {
                    archives.extract(ctx.pathParam("id"), path, body, noOverwrite, copyOwner);
                }
                return null;
            }, v -> ctx.response().setStatusCode(200).end());
        });
        routes.get("/containers/{id}/changes", ctx -> BlockingIo.respond(ctx, () -> archives.changes(ctx.pathParam("id")).stream()
                .map(c -> Map.of("Path", c.path(), "Kind", c.kind() == 'C' ? 0 : c.kind() == 'A' ? 1 : 2)).toList(),
                list -> Json.send(ctx, 200, list)));
        routes.withBody(HttpMethod.POST, "/commit", this::commit);
        routes.get("/containers/{id}/export", ctx -> {
            ctx.response().putHeader("Content-Type", "application/x-tar");
            BlockingIo.respond(ctx, () -> {
                try (OutputStream out = BlockingIo.responseBody(ctx)) {
                    archives.export(ctx.pathParam("id"), out);
                }
                return null;
            }, v -> ctx.response().end());
        });
    }

    private void commit(RoutingContext ctx) {
        String container = ctx.request().getParam("container");
        if (container == null || container.isEmpty()) {
            throw EngineException.notFound("No such container: " + (container == null ? "" : container));
        }
        String repo = ctx.request().getParam("repo");
        ImageReference ref = repo == null || repo.isEmpty() ? null : ImageReference.parse(repo, null).tagged(ctx.request().getParam("tag"));
        String pause = ctx.request().getParam("pause");
        boolean freeze = pause == null || pause.isEmpty() || QueryParams.bool(ctx, "pause");
        var body = ctx.body().buffer();
        BlockingIo.respond(ctx, () -> {
            ObjectNode overrides = body == null || body.length() == 0 || body.toString().isBlank() || body.toString().strip().equals("null")
                    ? Json.MAPPER.createObjectNode() : Json.object(body);
            CommitRequest request = new CommitRequest(ref, "", null, overrides, ctx.queryParam("changes"),
                    text(ctx, "comment"), text(ctx, "author"), "", false);
            return archives.commit(container, request, freeze);
        }, image -> Json.send(ctx, 201, Map.of("Id", image.id().toString())));
    }

    private static String text(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        return v == null ? "" : v;
    }

    private static String path(RoutingContext ctx) {
        String path = ctx.request().getParam("path");
        if (path == null || path.isEmpty()) {
            throw EngineException.invalid("Path cannot be empty");
        }
        return path.startsWith("/") ? path : "/" + path;    // relative to the container's root, as with dockerd
    }

    /** The response head with the stat (sent before the first byte of the tar), and the stream for the tar. */
    private static OutputStream open(RoutingContext ctx, PathStat stat) {
        ctx.response().putHeader("Content-Type", "application/x-tar").putHeader(STAT_HEADER, stat.header());
        return BlockingIo.responseBody(ctx);
    }
}
