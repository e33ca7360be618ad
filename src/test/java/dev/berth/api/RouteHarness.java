package dev.berth.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Route groups served in-process on 127.0.0.1 over whatever backends a test gives them (fakes, as moby's router
 * tests use): what a client sends and what it gets back, with the daemon's own router, versions and errors.
 */
public final class RouteHarness implements AutoCloseable {

    /** What came back: the status, the body and the headers. */
    public record Reply(int status, String body, HttpHeaders headers) {
        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        /** Docker's error message ({@code {"message": ...}}). */
        public String message() {
            return json().path("message").asText();
        }
    }

    private final Vertx vertx;
    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    private RouteHarness(Vertx vertx, HttpServer server) {
        this.vertx = vertx;
        this.server = server;
    }

    public static RouteHarness serve(ApiRouter.Group... groups) {
        Vertx vertx = Vertx.vertx();
        ApiRouter api = new ApiRouter(vertx, 1 << 20, null, new SimpleMeterRegistry(), List.of(groups));
        HttpServer server = vertx.createHttpServer().requestHandler(api.router()).listen(0, "127.0.0.1").await();
        return new RouteHarness(vertx, server);
    }

    /** Where {@code path} is served, for requests the helpers here do not make. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.actualPort() + path;
    }

    public Reply get(String path) throws Exception {
        return send("GET", path, null);
    }

    /** {@code body} null: none; otherwise sent as JSON. */
    public Reply send(String method, String path, String body) throws Exception {
        return body == null ? send(method, path, null, null)
                : send(method, path, body.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    /** {@code body} null: none; otherwise sent as {@code contentType}. */
    public Reply send(String method, String path, byte[] body, String contentType) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            b.header("Content-Type", contentType);
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Reply(r.statusCode(), r.body(), r.headers());
    }

    @Override
    public void close() throws Exception {
        server.close().await();
        vertx.close().await(10, TimeUnit.SECONDS);
    }
}
