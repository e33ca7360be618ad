package dev.berth.api;

import dev.berth.errors.EngineException;
import io.vertx.core.http.HttpMethod;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The Docker API routes Berth does not serve: a client gets 501 naming the route instead of a
 * misleading 404, and swarm routes get 503 as on a daemon that is not a swarm manager.
 */
final class UnservedRoutes {

    private static final Set<String> SWARM = Set.of("swarm", "nodes", "services", "tasks", "secrets", "configs");

    private UnservedRoutes() {}

    static void register(RouteTable routes) {
        Set<RouteTemplate> served = new HashSet<>(routes.served());
        for (RouteTemplate route : dockerRoutes()) {
            if (served.contains(route)) {
                continue;
            }
            String group = route.template().split("/")[1];
            EngineException error = SWARM.contains(group)
                    ? new EngineException(EngineException.Kind.UNAVAILABLE,
                            "This node is not a swarm manager: Berth does not support swarm mode (" + route + ")")
                    : EngineException.notImplemented("Berth does not implement " + route + " yet");
            routes.refuse(route, ctx -> ctx.fail(error));
        }
    }

    static List<RouteTemplate> dockerRoutes() {
        try (var in = UnservedRoutes.class.getResourceAsStream("docker-api-routes.txt");
             var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return reader.lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split(" ", 2))
                    .map(p -> new RouteTemplate(HttpMethod.valueOf(p[0]), p[1]))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
