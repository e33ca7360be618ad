package dev.berth.api.container;

import dev.berth.api.ApiRouter;
import dev.berth.api.ApiRoutes;
import dev.berth.api.BlockingIo;
import dev.berth.api.QueryParams;
import dev.berth.container.ContainerContent;
import dev.berth.errors.EngineException;
import dev.berth.files.ContainerFiles;
import dev.berth.files.PathStat;
import io.vertx.ext.web.RoutingContext;
import io.vertx.core.http.HttpMethod;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.Json;
import dev.berth.image.CommitRequest;
import dev.berth.image.ImageReference;
import java.util.Map;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A container's files: {@code docker cp} both ways ({@code /archive}), {@code docker export},
 * {@code docker diff} ({@code /changes}) and {@code docker commit}.
 */
public final class ArchiveRoutes implements ApiRouter.Group {

    private static final String STAT_HEADER = "X-Docker-Container-Path-Stat";

    private final ContainerContent content;

    public ArchiveRoutes(ContainerContent content) {
        this.content = content;
    }

    @Override
    public void register(ApiRoutes routes) {
        routes.head("/containers/{id}/archive", ctx -> {
            String path = path(ctx);
            BlockingIo.respond(ctx, () -> content.files(ctx.pathParam("id"), false, null, view -> ContainerFiles.stat(view, path)),
                    stat -> ctx.response().putHeader(STAT_HEADER, stat.header()).setStatusCode(200).end());
        });
        routes.get("/containers/{id}/archive", ctx -> {
            String path = path(ctx);
            BlockingIo.respond(ctx, () -> content.files(ctx.pathParam("id"), false, "archive-path", view -> {
                ContainerFiles.archive(view, path, stat -> open(ctx, stat));
                return null;
            }), v -> ctx.response().end());
        });
        routes.put("/containers/{id}/archive", ctx -> {
            String path = path(ctx);
            boolean noOverwrite = QueryParams.bool(ctx, "noOverwriteDirNonDir");
            boolean copyOwner = QueryParams.bool(ctx, "copyUIDGID");
            InputStream body = BlockingIo.requestBody(ctx);
            BlockingIo.respond(ctx, () -> {
                try (body) {
                    return content.files(ctx.pathParam("id"), true, "extract-to-dir", view -> {
                        ContainerFiles.extract(view, path, body, noOverwrite,
                                copyOwner ? content.userIds(ctx.pathParam("id"), view.root()) : null);
                        return 200;
                    });
                }
            }, code -> ctx.response().setStatusCode(code).end());
        });
        routes.get("/containers/{id}/changes", ctx -> BlockingIo.respond(ctx, () -> content.changes(ctx.pathParam("id")).stream()
                .map(c -> Map.of("Path", c.path(), "Kind", c.kind() == 'C' ? 0 : c.kind() == 'A' ? 1 : 2)).toList(),
                list -> Json.send(ctx, 200, list)));
        routes.withBody(HttpMethod.POST, "/commit", this::commit);
        routes.get("/containers/{id}/export", ctx -> {
            ctx.response().putHeader("Content-Type", "application/x-tar");
            BlockingIo.respond(ctx, () -> content.files(ctx.pathParam("id"), false, "export", view -> {
                try (OutputStream out = BlockingIo.responseBody(ctx)) {
                    ContainerFiles.export(view, out);
                }
                return null;
            }), v -> ctx.response().end());
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
            return content.commit(container, request, freeze);
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
