package dev.berth.api;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Bridges between the event loop and engine code that works on plain blocking streams (image archives):
 * the engine runs on a virtual thread, reads the request body through an {@link InputStream} and writes
 * the response through an {@link OutputStream}, with back-pressure both ways.
 */
public final class BlockingIo {

    private static final Executor VIRTUAL = Executors.newVirtualThreadPerTaskExecutor();

    private BlockingIo() {}

    /** Runs blocking engine work off the event loop; the future completes on the request's context. */
    public static <T> Future<T> run(RoutingContext ctx, Callable<T> work) {
        CompletableFuture<T> f = CompletableFuture.supplyAsync(() -> {
            try {
                return work.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, VIRTUAL);
        return Future.fromCompletionStage(f, ctx.vertx().getOrCreateContext())
                .recover(t -> Future.failedFuture(t instanceof CompletionException && t.getCause() != null ? t.getCause() : t));
    }

    /** Runs blocking engine work off the event loop, then {@code reply} on the request's context; a failure goes to the error handler. */
    public static <T> void respond(RoutingContext ctx, Callable<T> work, java.util.function.Consumer<T> reply) {
        run(ctx, work).onSuccess(reply::accept).onFailure(ctx::fail);
    }

    /** The request body as a blocking stream; the request is paused while the reader falls behind. */
    public static InputStream requestBody(RoutingContext ctx) {
        return new RequestInputStream(ctx.request(), ctx.vertx().getOrCreateContext());
    }

    /** A blocking stream into the (chunked) response; a write waits while the client is slower than us. */
    public static OutputStream responseBody(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        if (!response.headWritten()) {
            response.setChunked(true);      // else the route sent its (chunked) head already
        }
        StreamOutput out = new StreamOutput(response);
        response.closeHandler(v -> out.fail(new IOException("the client went away")));
        if (response.closed()) {
            out.fail(new IOException("the client went away"));     // before the handler was there to hear it
        }
        return new java.io.BufferedOutputStream(out, 1 << 16);
    }

    private static final class RequestInputStream extends dev.berth.host.BlockInputStream {
        private static final Object END = new Object();
        private static final int HIGH = 16;
        private static final int LOW = 4;

        private final HttpServerRequest request;
        private final Context context;
        private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        private boolean paused;     // touched on the context only
        private Buffer current;
        private int pos;
        private boolean ended;

        RequestInputStream(HttpServerRequest request, Context context) {
            this.request = request;
            this.context = context;
            request.handler(b -> {
                queue.add(b);
                if (queue.size() >= HIGH && !paused) {
                    paused = true;
                    request.pause();
                }
            });
            request.endHandler(v -> queue.add(END));
            request.exceptionHandler(queue::add);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (current == null || pos >= current.length()) {
                if (ended) {
                    return -1;
                }
                Object next;
                try {
                    next = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException();
                }
                if (queue.size() <= LOW) {
                    context.runOnContext(v -> {
                        if (paused) {
                            paused = false;
                            request.resume();
                        }
                    });
                }
                if (next == END) {
                    ended = true;
                } else if (next instanceof Throwable t) {
                    ended = true;
                    throw new IOException("request body: " + t.getMessage(), t);
                } else {
                    current = (Buffer) next;
                    pos = 0;
                }
            }
            int n = Math.min(len, current.length() - pos);
            current.getBytes(pos, pos + n, b, off);
            pos += n;
            return n;
        }

        /** Whatever the engine did not read is discarded, so the connection stays usable. */
        @Override
        public void close() {
            ended = true;
            context.runOnContext(v -> {
                if (!request.isEnded()) {
                    request.handler(b -> {});
                    request.resume();
                }
            });
        }
    }
}
