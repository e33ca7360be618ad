package dev.berth.api.image;

import dev.berth.api.ApiRouter;
import dev.berth.api.RouteTable;
import dev.berth.api.ApiVersion;
import dev.berth.api.BlockingIo;
import dev.berth.api.ClientGoneException;
import dev.berth.api.Json;
import dev.berth.api.QueryParams;
import dev.berth.errors.EngineException;
import dev.berth.host.HostFacts;
import dev.berth.image.ImageFilter;
import dev.berth.image.ImageReference;
import dev.berth.image.Images;
import dev.berth.image.ImportRequest;
import dev.berth.image.Platform;
import dev.berth.registry.Credentials;
import dev.berth.registry.ImageTransfers;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Image routes: pull, push, login, load, save, import, list, inspect, history, tag, remove, prune. */
public final class ImageRoutes implements ApiRouter.Group {

    private final Images images;
    private final ImageTransfers transfers;
    private final String architecture;
    private final String storageDriver;

    public ImageRoutes(Images images, ImageTransfers transfers, HostFacts host, String storageDriver) {
        this.images = images;
        this.transfers = transfers;
        this.architecture = host.goArch();
        this.storageDriver = storageDriver;
    }

    @Override
    public void register(RouteTable routes) {
        routes.get("/images/json", this::list);
        routes.post("/images/load", this::load);
        routes.get("/images/get", ctx -> save(ctx, ctx.queryParam("names")));
        routes.get("/images/{name}/get", ctx -> save(ctx, List.of(ctx.pathParam("name"))));
        routes.post("/images/create", this::create);
        routes.withBody(HttpMethod.POST, "/auth", this::login);
        routes.post("/images/{name}/push", this::push);
        routes.get("/distribution/{name}/json", this::distribution);
        routes.get("/images/{name}/json", ctx -> BlockingIo.respond(ctx, () -> images.get(ctx.pathParam("name")),
                i -> Json.send(ctx, 200, ImageResponses.inspect(i, storageDriver, images::layerPath, ApiVersion.of(ctx)))));
        routes.get("/images/{name}/history", ctx -> BlockingIo.respond(ctx, () -> {
            var image = images.get(ctx.pathParam("name"));
            return ImageResponses.history(image, images::layerSize);
        }, h -> Json.send(ctx, 200, h)));
        routes.post("/images/{name}/tag", this::tag);
        routes.delete("/images/{name}", this::remove);
        routes.post("/images/prune", this::prune);
    }

    private void list(RoutingContext ctx) {
        var filters = QueryParams.filters(ctx, ImageFilter.KEYS);
        boolean all = QueryParams.bool(ctx, "all");
        BlockingIo.respond(ctx, () -> images.list().stream().filter(i -> all || !i.intermediate()).filter(ImageFilter.of(filters, images))
                        .map(i -> ImageResponses.summary(ImageFilter.shownReferences(i, filters))).toList(), l -> Json.send(ctx, 200, l));
    }

    private void load(RoutingContext ctx) {
        InputStream body = BlockingIo.requestBody(ctx);
        BlockingIo.respond(ctx, () -> {
            try (body) {
                return images.load(body).stream().<Map<String, ?>>map(line -> Map.of("stream", line + "\n")).toList();
            } catch (EngineException refused) {
                // a bad archive: the message in the stream of a 200, as dockerd answers (docker-py raises ImageLoadError)
                return List.<Map<String, ?>>of(Json.errorMessage(refused.getMessage()));
            }
        }, messages -> Json.sendMessages(ctx, messages));
    }

    private void save(RoutingContext ctx, List<String> names) {
        if (names.isEmpty()) {
            throw EngineException.invalid("no image names given (names=...)");
        }
        ctx.response().putHeader("Content-Type", "application/x-tar");
        BlockingIo.respond(ctx, () -> {
            try (OutputStream out = BlockingIo.responseBody(ctx)) {
                images.save(names, out);
            }
            return null;
        }, v -> ctx.response().end());
    }

    private void create(RoutingContext ctx) {
        String fromImage = ctx.request().getParam("fromImage");
        String fromSrc = ctx.request().getParam("fromSrc");
        if (fromImage != null && !fromImage.isEmpty()) {
            pull(ctx, fromImage);
            return;
        }
        if (fromSrc == null || fromSrc.isEmpty()) {
            throw EngineException.invalid("either fromImage (pull) or fromSrc (import) is required");
        }
        if (!fromSrc.equals("-")) {
            throw EngineException.notImplemented("Berth imports only from the request body (fromSrc=-), not from " + fromSrc);
        }
        String repo = ctx.request().getParam("repo");
        String tag = ctx.request().getParam("tag");
        ImageReference ref = repo == null || repo.isEmpty() ? null : ImageReference.parse(repo, null).tagged(tag);
        ImportRequest request = new ImportRequest(ref, ctx.request().getParam("message"), ctx.queryParam("changes"), architecture);
        InputStream body = BlockingIo.requestBody(ctx);
        BlockingIo.respond(ctx, () -> {
            try (body) {
                return images.importRootfs(body, request);
            }
        }, i -> Json.sendMessages(ctx, List.of(Map.of("status", i.id().toString()))));
    }

    /**
     * {@code docker pull}: what fails before anything is downloaded (no such image, access denied, no
     * such platform) is a plain error; after that, progress and errors go out as JSON messages.
     */
    private void pull(RoutingContext ctx, String fromImage) {
        String tag = ctx.request().getParam("tag");
        ImageReference ref = tag != null && tag.startsWith("sha256:")
                ? ImageReference.parse(fromImage + "@" + tag, null)
                : ImageReference.parse(fromImage, null).tagged(tag);
        Platform platform = Platform.parse(ctx.request().getParam("platform"), transfers.platform());
        Credentials creds = Credentials.fromHeader(ctx.request().getHeader("X-Registry-Auth"));
        BlockingIo.respond(ctx, () -> transfers.pull(ref, platform, creds), pull -> streamProgress(ctx, pull));
    }

    /** {@code docker push}: the names are checked first (404 for none); then progress, as for a pull. */
    private void push(RoutingContext ctx) {
        Credentials creds = Credentials.fromHeader(ctx.request().getHeader("X-Registry-Auth"));
        String name = ctx.pathParam("name");
        String tag = ctx.request().getParam("tag");
        BlockingIo.respond(ctx, () -> transfers.push(name, tag, creds), push -> streamProgress(ctx, push));
    }

    /** Docker's JSON message stream, one message per chunk; a failure once it has begun is its last message. */
    private static void streamProgress(RoutingContext ctx, ImageTransfers.Transfer transfer) {
        ctx.response().putHeader("Content-Type", "application/json");
        BlockingIo.respond(ctx, () -> {
            try (OutputStream out = BlockingIo.responseBody(ctx)) {
                try {
                    transfer.run(event -> {
                        for (Map<String, Object> m : ProgressMessages.of(event)) {
                            send(out, m);
                        }
                    });
                } catch (ClientGoneException gone) {
                    throw gone;
                } catch (IOException | RuntimeException e) {
                    send(out, Json.errorMessage(e.getMessage()));
                }
            }
            return null;
        }, v -> ctx.response().end());
    }

    private static void send(OutputStream out, Map<String, Object> message) throws IOException {
        out.write(Json.encode(message).appendString("\n").getBytes());
        out.flush();    // one message per chunk, as dockerd sends them
    }

    /** {@code GET /distribution/{name}/json}: the registry's descriptor of the name and the platforms it serves. */
    private void distribution(RoutingContext ctx) {
        ImageReference ref = ImageReference.parse(ctx.pathParam("name"), null).tagged(null);
        Credentials creds = Credentials.fromHeader(ctx.request().getHeader("X-Registry-Auth"));
        BlockingIo.respond(ctx, () -> transfers.inspect(ref, creds), remote -> {
            Map<String, Object> descriptor = new LinkedHashMap<>();
            descriptor.put("mediaType", remote.mediaType());
            descriptor.put("digest", remote.digest().toString());
            descriptor.put("size", remote.size());
            List<Map<String, Object>> platforms = new ArrayList<>();
            for (Platform p : remote.platforms()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("architecture", p.architecture());
                m.put("os", p.os());
                if (!p.variant().isEmpty()) {
                    m.put("variant", p.variant());
                }
                platforms.add(m);
            }
            Json.send(ctx, 200, Map.of("Descriptor", descriptor, "Platforms", platforms));
        });
    }

    /** {@code docker login}: the credentials are tried against the registry; nothing is stored by the daemon. */
    private void login(RoutingContext ctx) {
        var body = ctx.body().buffer();
        BlockingIo.respond(ctx, () -> {
            var auth = Json.object(body);
            String server = auth.path("serveraddress").asText("");
            String domain = server.isEmpty() || server.contains("index.docker.io") || server.contains("docker.io")
                    ? ImageReference.DOCKER_HUB : server.replaceFirst("^https?://", "").replaceFirst("/.*$", "");
            return transfers.login(domain, Credentials.of(auth));
        }, token -> Json.send(ctx, 200, Map.of("Status", "Login Succeeded", "IdentityToken", token)));
    }

    private void tag(RoutingContext ctx) {
        String repo = ctx.request().getParam("repo");
        if (repo == null || repo.isEmpty()) {
            throw EngineException.invalid("repository name (repo) must not be empty");
        }
        String tag = ctx.request().getParam("tag");
        ImageReference target = ImageReference.parse(repo, null).tagged(tag);
        BlockingIo.respond(ctx, () -> {
            images.tag(ctx.pathParam("name"), target);
            return null;
        }, v -> ctx.response().setStatusCode(201).end());
    }

    private void remove(RoutingContext ctx) {
        boolean force = QueryParams.bool(ctx, "force");
        boolean prune = !QueryParams.bool(ctx, "noprune");
        BlockingIo.respond(ctx, () -> images.remove(ctx.pathParam("name"), force, prune),
                r -> Json.send(ctx, 200, deletions(r.untagged(), r.deleted())));
    }

    private void prune(RoutingContext ctx) {
        var filters = new LinkedHashMap<>(QueryParams.filters(ctx, ImageFilter.KEYS));
        List<String> dangling = filters.remove("dangling");
        boolean all = dangling != null && dangling.stream().anyMatch(v -> v.equalsIgnoreCase("false") || v.equals("0"));
        BlockingIo.respond(ctx, () -> images.prune(all, ImageFilter.of(filters, images)), p -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("ImagesDeleted", p.deleted().isEmpty() && p.untagged().isEmpty() ? null : deletions(p.untagged(), p.deleted()));
                    body.put("SpaceReclaimed", p.reclaimed());
                    Json.send(ctx, 200, body);
                });
    }

    private static List<Map<String, String>> deletions(List<String> untagged, List<dev.berth.image.Digest> deleted) {
        List<Map<String, String>> out = new ArrayList<>();
        untagged.forEach(u -> out.add(Map.of("Untagged", u)));
        deleted.forEach(d -> out.add(Map.of("Deleted", d.toString())));
        return out;
    }
}
