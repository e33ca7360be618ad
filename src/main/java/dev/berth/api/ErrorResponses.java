package dev.berth.api;

import dev.berth.api.hijack.HijackedStream;
import dev.berth.errors.EngineException;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;

import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The one place engine errors become HTTP statuses and Docker's {@code {"message": ...}} bodies. */
public final class ErrorResponses {

    private static final Logger LOG = Logger.getLogger(ErrorResponses.class.getName());

    private ErrorResponses() {}

    public static int statusOf(EngineException.Kind kind) {
        return switch (kind) {
            case INVALID_ARGUMENT -> 400;
            case UNAUTHORIZED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case NOT_MODIFIED -> 304;
            case NOT_IMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case TOO_LARGE -> 413;
        };
    }

    /** The failure handler of every route. */
    public static void handle(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        int status;
        String message;
        if (failure instanceof EngineException e) {
            status = statusOf(e.kind());
            message = e.getMessage();
        } else if (failure instanceof HttpException e) {
            status = e.getStatusCode();
            message = e.getPayload() != null ? e.getPayload() : defaultMessage(ctx, status);
        } else if (failure != null && fromHttpDecoder(failure)) {
            status = 400;
            message = "malformed HTTP request: " + failure.getMessage();
        } else if (failure instanceof ClientGoneException || failure instanceof io.vertx.core.http.HttpClosedException) {
            LOG.fine(() -> ctx.request().method() + " " + ctx.request().path() + ": the client went away");
            ctx.response().reset();
            return;
        } else if (failure != null) {
            status = 500;
            message = failure.getMessage() != null ? failure.getMessage() : failure.getClass().getName();
            LOG.log(Level.SEVERE, "unexpected error in " + ctx.request().method() + " " + ctx.request().path(), failure);
        } else {
            status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
            message = defaultMessage(ctx, status);
        }
        send(ctx, status, message);
    }

    /**
     * Netty's HTTP decoder reports a malformed request (a bad chunk size, a bad header) as a plain
     * exception raised in the decoder itself: the client's fault, not the daemon's.
     */
    private static boolean fromHttpDecoder(Throwable t) {
        StackTraceElement[] trace = t.getStackTrace();
        return trace.length > 0 && trace[0].getClassName().startsWith("io.netty.handler.codec.http.");
    }

    public static void send(RoutingContext ctx, int status, String message) {
        if (ctx.response().headWritten()) {
            // Mid-stream: the status line is gone, so all that is left is to cut the connection.
            ctx.response().reset();
            return;
        }
        if (HijackedStream.isHijack(ctx)) {
            // The client meant to stream on this connection: what it sends next is not HTTP.
            ctx.response().putHeader("Connection", "close");
        }
        if (status == 304) {
            ctx.response().setStatusCode(304).end();
            return;
        }
        // whole, with its length, even where a stream was about to begin: docker-py raises only for such errors
        ctx.response().setChunked(false);
        Json.send(ctx, status, Map.of("message", message));
    }

    private static String defaultMessage(RoutingContext ctx, int status) {
        return switch (status) {
            case 404 -> "page not found";
            case 405 -> "method " + ctx.request().method() + " is not allowed on " + ctx.request().path();
            case 413 -> "request body is larger than the limit of this daemon (max-request-body)";
            case 400 -> "bad request";
            default -> "error " + status;
        };
    }
}
