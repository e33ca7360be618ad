package dev.berth.api;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

import java.util.List;

/** Builds the whole API: common handling first, then each group's routes, then the error answers. */
public final class ApiRouter {

    /** A group of routes (system, containers, images, ...) that registers itself. */
    @FunctionalInterface
    public interface Group {
        void register(RouteTable routes);
    }

    private final Router router;
    private final RouteTable routes;

    /** @param allowedOrigin the web origin whose requests are served ({@code *}: any), or null: none (see {@link BrowserRequests}) */
    public ApiRouter(Vertx vertx, long maxRequestBody, String allowedOrigin, MeterRegistry registry, List<Group> groups) {
        router = Router.router(vertx);
        router.route().handler(new RequestObserver(registry));
        router.route().handler(new BrowserRequests(allowedOrigin));
        router.route().handler(new ApiVersionPrefix());
        routes = new RouteTable(router, maxRequestBody);
        groups.forEach(g -> g.register(routes));
        UnservedRoutes.register(routes);
        router.route().failureHandler(ErrorResponses::handle);
        for (int status : new int[] {400, 404, 405, 413, 500}) {
            router.errorHandler(status, ErrorResponses::handle);
        }
    }

    public Router router() {
        return router;
    }

    public RouteTable routes() {
        return routes;
    }
}
