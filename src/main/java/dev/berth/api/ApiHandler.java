package dev.berth.api;

import io.vertx.ext.web.RoutingContext;

/** A route handler; whatever it throws becomes the error response. */
@FunctionalInterface
public interface ApiHandler {
    void handle(RoutingContext ctx) throws Exception;
}
