package dev.berth.api;

import dev.berth.api.hijack.HijackedStream;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Where route groups register what they serve. Every route lands in the router and in {@link #served()},
 * which is what {@code api-spec/} is checked against and what metrics name routes by.
 */
public final class RouteTable {

    /** Routing-context key of the route that took the request, as "METHOD /template". */
    public static final String ROUTE_KEY = "berth.route";

    private final Router router;
    private final BodyHandler bodyHandler;
    private final List<RouteTemplate> served = new ArrayList<>();
    private final List<Pattern> hijackPaths = new ArrayList<>();

    public RouteTable(Router router, long maxRequestBody) {
        this.router = router;
        this.bodyHandler = BodyHandler.create(false).setBodyLimit(maxRequestBody);
    }

    public void get(String template, ApiHandler handler) {
        add(HttpMethod.GET, template, handler, false);
    }

    public void head(String template, ApiHandler handler) {
        add(HttpMethod.HEAD, template, handler, false);
    }

    public void delete(String template, ApiHandler handler) {
        add(HttpMethod.DELETE, template, handler, false);
    }

    /** A PUT whose handler reads the body as a stream. */
    public void put(String template, ApiHandler handler) {
        add(HttpMethod.PUT, template, handler, false);
    }

    /** A POST without a body, or whose handler reads the body as a stream. */
    public void post(String template, ApiHandler handler) {
        add(HttpMethod.POST, template, handler, false);
    }

    /** A route whose JSON body is read whole (up to max-request-body, else 413) before the handler runs. */
    public void withBody(HttpMethod method, String template, ApiHandler handler) {
        add(method, template, handler, true);
    }

    /** A POST that hijacks the connection: the handler calls {@link HijackedStream#open} once it has validated the request. */
    public void hijack(String template, ApiHandler handler) {
        RouteTemplate route = add(HttpMethod.POST, template, handler, true);
        hijackPaths.add(Pattern.compile("^(?:/v[0-9]+(?:\\.[0-9]+)?)?" + route.regex().substring(1)));
    }

    /** Answers a route that Berth does not serve (yet) with a fixed error; not listed in {@link #served()}. */
    void refuse(RouteTemplate route, ApiHandler handler) {
        router.routeWithRegex(route.method(), route.regex()).handler(wrap(route, handler));
    }

    public List<RouteTemplate> served() {
        return List.copyOf(served);
    }

    /** Whether a request path (with or without version prefix) belongs to a hijack route. */
    public Predicate<String> hijackPaths() {
        List<Pattern> patterns = List.copyOf(hijackPaths);
        return path -> patterns.stream().anyMatch(p -> p.matcher(path).matches());
    }

    private RouteTemplate add(HttpMethod method, String template, ApiHandler handler, boolean body) {
        RouteTemplate route = new RouteTemplate(method, template);
        var r = router.routeWithRegex(method, route.regex());
        if (body) {
            r.handler(bodyHandler);
            r.handler(BrowserRequests::requireJsonBody);
        }
        r.handler(wrap(route, handler));
        served.add(route);
        return route;
    }

    private static io.vertx.core.Handler<RoutingContext> wrap(RouteTemplate route, ApiHandler handler) {
        String name = route.toString();
        return ctx -> {
            ctx.put(ROUTE_KEY, name);
            try {
                handler.handle(ctx);
            } catch (Exception e) {
                ctx.fail(e);
            }
        };
    }
}
