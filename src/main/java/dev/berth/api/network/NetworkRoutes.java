package dev.berth.api.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.ApiRouter;
import dev.berth.api.ApiVersion;
import dev.berth.api.RouteTable;
import dev.berth.api.BlockingIo;
import dev.berth.api.Json;
import dev.berth.api.QueryParams;
import static dev.berth.api.RequestFields.bool;
import static dev.berth.api.RequestFields.strings;
import static dev.berth.api.RequestFields.text;
import dev.berth.container.NetworkMembers;
import dev.berth.errors.EngineException;
import dev.berth.network.Cidr;
import dev.berth.network.EndpointSettings;
import dev.berth.network.Network;
import dev.berth.network.NetworkCreate;
import dev.berth.network.NetworkFilter;
import dev.berth.network.Networks;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The network routes: list, inspect, create, remove, prune, connect and disconnect. */
public final class NetworkRoutes implements ApiRouter.Group {

    private final Networks networks;
    private final NetworkMembers containers;

    public NetworkRoutes(Networks networks, NetworkMembers containers) {
        this.networks = networks;
        this.containers = containers;
    }

    @Override
    public void register(RouteTable routes) {
        routes.get("/networks", ctx -> {
            var which = NetworkFilter.of(QueryParams.filters(ctx, NetworkFilter.KEYS), networks);
            respond(ctx, 200, () -> networks.list().stream().filter(which).map(n -> NetworkResponses.inspect(n, Map.of(), containers)).toList());
        });
        routes.get("/networks/{id}", ctx -> respond(ctx, 200, () -> {
            Network n = networks.network(ctx.pathParam("id"));
            return NetworkResponses.inspect(n, networks.endpoints(n.id()), containers);
        }));
        routes.withBody(HttpMethod.POST, "/networks/create", ctx -> {
            var body = ctx.body().buffer();
            boolean maskSubnets = ApiVersion.of(ctx).before(1, 44);
            respond(ctx, 201, () -> {
                Network n = networks.create(createRequest(Json.object(body), maskSubnets));
                return Map.of("Id", n.id(), "Warning", "");
            });
        });
        routes.delete("/networks/{id}", ctx -> BlockingIo.respond(ctx, () -> {
            networks.remove(ctx.pathParam("id"));
            return 204;
        }, code -> ctx.response().setStatusCode(code).end()));
        routes.post("/networks/prune", ctx -> {
            var which = NetworkFilter.of(QueryParams.filters(ctx, NetworkFilter.PRUNE_KEYS), networks);
            respond(ctx, 200, () -> Map.of("NetworksDeleted", networks.prune(which)));
        });
        routes.withBody(HttpMethod.POST, "/networks/{id}/connect", ctx -> {
            var body = ctx.body().buffer();
            BlockingIo.respond(ctx, () -> {
                ObjectNode request = Json.object(body);
                JsonNode endpoint = request.path("EndpointConfig");
                containers.connect(container(request), ctx.pathParam("id"),
                        endpoint.isObject() ? Json.convert(endpoint, EndpointSettings.class) : EndpointSettings.none());
                return 200;
            }, code -> ctx.response().setStatusCode(code).end());
        });
        routes.withBody(HttpMethod.POST, "/networks/{id}/disconnect", ctx -> {
            var body = ctx.body().buffer();
            BlockingIo.respond(ctx, () -> {
                containers.disconnect(container(Json.object(body)), ctx.pathParam("id"));
                return 200;
            }, code -> ctx.response().setStatusCode(code).end());
        });
    }

    private static <T> void respond(RoutingContext ctx, int status, Callable<T> work) {
        BlockingIo.respond(ctx, work, v -> Json.send(ctx, status, v));
    }

    private static String container(ObjectNode request) {
        JsonNode c = request.path("Container");
        if (!c.isTextual() || c.asText().isEmpty()) {
            throw EngineException.invalid("no container given (Container)");
        }
        return c.asText();
    }

    /**
     * The create body, its types checked: a wrong one is a 400 naming the field.
     *
     * @param maskSubnets take a subnet with host bits set as its network, as dockerd did before API 1.44 (later ones refuse it)
     */
    static NetworkCreate createRequest(ObjectNode r, boolean maskSubnets) {
        List<Network.Pool> pools = new ArrayList<>();
        JsonNode ipam = r.path("IPAM");
        String ipamDriver = ipam.path("Driver").asText("");
        if (!ipamDriver.isEmpty() && !ipamDriver.equals("default")) {
            throw EngineException.notImplemented("Berth does not implement the IPAM driver " + ipamDriver + " (only default)");
        }
        for (JsonNode c : ipam.path("Config")) {
            String subnet = text(c, "Subnet");
            if (maskSubnets && !subnet.isEmpty()) {
                subnet = Cidr.parse(subnet).network().toString();
            }
            pools.add(new Network.Pool(subnet, text(c, "Gateway"), text(c, "IPRange"), strings(c, "AuxiliaryAddresses")));
        }
        if (r.path("Ingress").asBoolean(false) || r.path("ConfigOnly").asBoolean(false) || !text(r.path("ConfigFrom"), "Network").isEmpty()) {
            throw EngineException.notImplemented("Berth does not implement swarm networks (Ingress, ConfigOnly, ConfigFrom)");
        }
        return new NetworkCreate(text(r, "Name"), text(r, "Driver"), bool(r, "Internal"), bool(r, "EnableIPv6"), pools,
                strings(r, "Labels"), strings(r, "Options"), strings(ipam, "Options"));
    }
}
