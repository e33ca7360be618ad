package dev.berth.api.volume;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.ApiRouter;
import dev.berth.api.RouteTable;
import dev.berth.api.ApiVersion;
import dev.berth.api.BlockingIo;
import dev.berth.api.Json;
import dev.berth.api.QueryParams;
import dev.berth.errors.EngineException;
import dev.berth.volume.VolumeCreate;
import dev.berth.volume.VolumeFilter;
import dev.berth.volume.Volumes;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static dev.berth.api.RequestFields.strings;
import static dev.berth.api.RequestFields.text;

/** The volume routes: list, inspect, create, remove, prune. */
public final class VolumeRoutes implements ApiRouter.Group {

    private final Volumes volumes;

    public VolumeRoutes(Volumes volumes) {
        this.volumes = volumes;
    }

    @Override
    public void register(RouteTable routes) {
        routes.get("/volumes", ctx -> {
            var which = VolumeFilter.of(QueryParams.filters(ctx, VolumeFilter.KEYS), volumes);
            respond(ctx, 200, () -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("Volumes", volumes.list().stream().filter(which).map(v -> VolumeResponses.volume(v, volumes.dir(v.name()))).toList());
                m.put("Warnings", List.of());
                return m;
            });
        });
        routes.get("/volumes/{name}", ctx -> respond(ctx, 200, () -> {
            var v = volumes.get(ctx.pathParam("name"));
            return VolumeResponses.volume(v, volumes.dir(v.name()));
        }));
        routes.withBody(HttpMethod.POST, "/volumes/create", ctx -> {
            var body = ctx.body().buffer();
            respond(ctx, 201, () -> {
                var v = volumes.create(createRequest(Json.object(body)));
                return VolumeResponses.volume(v, volumes.dir(v.name()));
            });
        });
        routes.delete("/volumes/{name}", ctx -> {
            boolean force = QueryParams.bool(ctx, "force");
            BlockingIo.respond(ctx, () -> {
                volumes.remove(ctx.pathParam("name"), force);
                return 204;
            }, code -> ctx.response().setStatusCode(code).end());
        });
        routes.post("/volumes/prune", ctx -> {
            var which = VolumeFilter.prune(QueryParams.filters(ctx, VolumeFilter.PRUNE_KEYS), volumes, ApiVersion.of(ctx).before(1, 42));
            respond(ctx, 200, () -> {
                Volumes.Pruned p = volumes.prune(which);
                return Map.of("VolumesDeleted", p.names(), "SpaceReclaimed", p.spaceReclaimed());
            });
        });
    }

    private static <T> void respond(RoutingContext ctx, int status, Callable<T> work) {
        BlockingIo.respond(ctx, work, v -> Json.send(ctx, status, v));
    }

    /** The create body, its types checked: a wrong one is a 400 naming the field. */
    static VolumeCreate createRequest(ObjectNode r) {
        if (r.hasNonNull("ClusterVolumeSpec")) {
            throw new EngineException(EngineException.Kind.UNAVAILABLE,
                    "This node is not a swarm manager: Berth does not support cluster volumes (ClusterVolumeSpec)");
        }
        return new VolumeCreate(text(r, "Name"), text(r, "Driver"), strings(r, "DriverOpts"), strings(r, "Labels"));
    }
}
