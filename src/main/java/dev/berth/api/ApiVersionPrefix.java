package dev.berth.api;

import dev.berth.api.hijack.HijackedStream;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves every route with and without {@code /vN.NN}, and with a trailing slash ({@code /networks/}, as
 * moby's router serves and Go clients send): checks the version against the supported range and routes
 * the request again without the prefix and the slash, and with its original method if it is a hijack.
 */
final class ApiVersionPrefix implements Handler<RoutingContext> {

    /** Routing-context key of the version the client asked for (absent: no prefix, the maximum applies). */
    static final String VERSION_KEY = "berth.apiVersion";

    private static final Pattern PREFIX = Pattern.compile("^/v(\\d+(?:\\.\\d+)?)(/.*)?$");

    @Override
    public void handle(RoutingContext ctx) {
        String path = ctx.request().path();
        boolean restoreMethod = HijackedStream.isHijack(ctx) && ctx.request().method() != HttpMethod.POST;
        Matcher m = PREFIX.matcher(path);
        if (m.matches()) {
            try {
                ctx.put(VERSION_KEY, ApiVersion.forClient(ApiVersion.requested(m.group(1)), ctx.request().getHeader("User-Agent")));
            } catch (RuntimeException e) {
                ctx.fail(e);
                return;
            }
            path = m.group(2) == null ? "/" : m.group(2);
        }
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        } else if (!m.matches() && !restoreMethod) {
            ctx.next();
            return;
        }
        String query = ctx.request().query();
        ctx.reroute(restoreMethod ? HttpMethod.POST : ctx.request().method(), query == null ? path : path + "?" + query);
    }
}
