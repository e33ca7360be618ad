package dev.berth.api;

import dev.berth.errors.EngineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * Requests from web pages. The API makes its callers root, and a page the user visits can send requests to a
 * loopback TCP listener (a "simple" cross-site POST needs no preflight); browsers mark every such request with
 * an {@code Origin} header, which no Docker client sends. Those are refused unless the operator named the origin
 * allowed ({@code --api-cors-header}, dockerd's option): then they are answered with CORS headers, preflights too.
 */
final class BrowserRequests implements Handler<RoutingContext> {

    private final String allowedOrigin;

    /** @param allowedOrigin an origin, {@code *} for any, or null for none */
    BrowserRequests(String allowedOrigin) {
        this.allowedOrigin = allowedOrigin;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String origin = ctx.request().getHeader("Origin");
        if (origin == null) {
            ctx.next();
            return;
        }
        if (allowedOrigin == null || !(allowedOrigin.equals("*") || allowedOrigin.equals(origin))) {
            ctx.fail(EngineException.forbidden("a request from a web page (Origin: " + origin + ") is refused: the Docker API"
                    + " gives root on this host; allow an origin with --api-cors-header"));
            return;
        }
        ctx.response().putHeader("Access-Control-Allow-Origin", allowedOrigin)
                .putHeader("Access-Control-Allow-Headers", "Origin, X-Requested-With, Content-Type, Accept, X-Registry-Auth")
                .putHeader("Access-Control-Allow-Methods", "HEAD, GET, POST, DELETE, PUT, OPTIONS");
        if (ctx.request().method() == HttpMethod.OPTIONS) {
            ctx.response().setStatusCode(200).end();
            return;
        }
        ctx.next();
    }

    /**
     * A JSON body must say so, as dockerd requires: a form or {@code text/plain} body (what a page can send without
     * a preflight) is not read as JSON. A request without a body needs no Content-Type. (After Vert.x's body
     * handler, which must come first on a route.)
     */
    static void requireJsonBody(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        boolean body = ctx.body().length() > 0;
        String mime = type == null ? "" : type.split(";", 2)[0].strip();
        if (body && !mime.equalsIgnoreCase("application/json")) {
            ctx.fail(EngineException.invalid("unsupported Content-Type header (" + (type == null ? "" : type)
                    + "): must be 'application/json'"));
            return;
        }
        ctx.next();
    }
}
