package dev.berth.api.system;

import dev.berth.api.ApiRouter;
import dev.berth.api.RouteTable;
import dev.berth.api.ApiVersion;
import dev.berth.api.Json;
import dev.berth.api.QueryParams;
import dev.berth.api.container.ContainerResponses;
import dev.berth.api.image.ImageResponses;
import dev.berth.system.SystemReports;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /_ping}, {@code /version}, {@code /info} and the Prometheus {@code /metrics}. */
public final class SystemRoutes implements ApiRouter.Group {

    private final SystemReports system;
    private final PrometheusMeterRegistry metrics;

    public SystemRoutes(SystemReports system, PrometheusMeterRegistry metrics) {
        this.system = system;
        this.metrics = metrics;
    }

    @Override
    public void register(RouteTable routes) {
        routes.get("/_ping", this::ping);
        routes.head("/_ping", this::ping);
        routes.get("/version", ctx -> Json.sendWhenDone(ctx, system.version(), VersionResponse::of));
        routes.get("/info", ctx -> Json.sendWhenDone(ctx, system.info(), InfoResponse::of));
        routes.get("/system/df", ctx -> Json.sendWhenDone(ctx, system.diskUsage(), d -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("LayersSize", d.layersSize());
            body.put("Images", d.images().stream().map(ImageResponses::summary).toList());
            body.put("Containers", d.containers().stream().map(c -> ContainerResponses.summary(c, d.volumeDirs())).toList());
            body.put("Volumes", d.volumes().stream().map(v -> {
                Map<String, Object> m = dev.berth.api.volume.VolumeResponses.volume(v.volume(), v.dir());
                m.put("UsageData", Map.of("Size", v.size(), "RefCount", v.refCount()));
                return m;
            }).toList());
            body.put("BuildCache", List.of());
            return body;
        }));
        // the classic builder's cache is its intermediate images, which image prune removes: nothing else to delete
        routes.post("/build/prune", ctx -> {
            QueryParams.filters(ctx, List.of("until", "id", "parent", "type", "description", "inuse", "shared", "private",
                    "reserved-space", "max-used-space", "min-free-space"));
            Json.send(ctx, 200, Map.of("CachesDeleted", List.of(), "SpaceReclaimed", 0));
        });
        // no plugin can be installed (POST /plugins/pull is not served): none to list, none found; docker inspect
        // of an unknown name asks for a plugin last and then says "No such object"
        routes.get("/plugins", ctx -> Json.send(ctx, 200, List.of()));
        routes.get("/plugins/{name}/json", ctx -> {
            throw dev.berth.errors.EngineException.notFound("plugin \"" + ctx.pathParam("name") + "\" not found");
        });
        routes.get("/metrics", ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape()));
    }

    private void ping(RoutingContext ctx) {
        ctx.response().headers()
                .set("Api-Version", ApiVersion.MAX.toString())
                .set("Ostype", "linux")
                .set("Docker-Experimental", "false")
                .set("Builder-Version", "1")
                .set("Swarm", "inactive")
                .set("Cache-Control", "no-cache, no-store, must-revalidate")
                .set("Pragma", "no-cache")
                .set("Content-Type", "text/plain; charset=utf-8");
        ctx.response().end("OK");
    }
}
