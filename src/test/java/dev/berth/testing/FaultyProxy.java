package dev.berth.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * A registry as a failing one would be: on 127.0.0.1, it passes requests on to a real registry, except
 * what its current {@link Fault} changes (a blob cut off midway, a flipped byte, a 429, a huge manifest).
 */
public final class FaultyProxy implements AutoCloseable {

    public enum Fault { NONE, CUT_BLOB, CUT_BLOB_ONCE, FLIP_BLOB_BYTE, TOO_MANY_REQUESTS, HUGE_MANIFEST, NOT_AN_IMAGE }

    private final HttpServer server;
    private final String upstream;
    private final HttpClient http = HttpClient.newHttpClient();
    private volatile Fault fault = Fault.NONE;
    private final java.util.concurrent.atomic.AtomicInteger rangeRequests = new java.util.concurrent.atomic.AtomicInteger();

    public FaultyProxy(String upstreamHost) throws IOException {
        this.upstream = "http://" + upstreamHost;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    public void fault(Fault f) {
        this.fault = f;
    }

    /** How many blob requests asked for a range (a resumed download). */
    public int rangeRequests() {
        return rangeRequests.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().toString();
            boolean blob = path.contains("/blobs/sha256:");
            boolean manifest = path.contains("/manifests/");
            Fault f = fault;
            if (manifest && f == Fault.TOO_MANY_REQUESTS) {
                ex.getResponseHeaders().add("Retry-After", "7");
                ex.sendResponseHeaders(429, -1);
                return;
            }
            if (manifest && f == Fault.HUGE_MANIFEST) {
                byte[] big = ("{\"schemaVersion\":2,\"pad\":\"" + "x".repeat(5 << 20) + "\"}").getBytes();
                ex.getResponseHeaders().add("Content-Type", "application/vnd.docker.distribution.manifest.v2+json");
                ex.sendResponseHeaders(200, big.length);
                ex.getResponseBody().write(big);
                return;
            }
            if (manifest && f == Fault.NOT_AN_IMAGE) {
                byte[] odd = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.example.thing+json\"}".getBytes();
                ex.getResponseHeaders().add("Content-Type", "application/vnd.example.thing+json");
                ex.sendResponseHeaders(200, odd.length);
                ex.getResponseBody().write(odd);
                return;
            }
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(upstream + path)).method(ex.getRequestMethod(),
                    HttpRequest.BodyPublishers.ofInputStream(ex::getRequestBody));
            if (ex.getRequestHeaders().getFirst("Range") != null) {
                rangeRequests.incrementAndGet();
            }
            for (String h : List.of("Accept", "Authorization", "Content-Type", "Range")) {
                String v = ex.getRequestHeaders().getFirst(h);
                if (v != null) {
                    req.header(h, v);
                }
            }
            HttpResponse<InputStream> r;
            try {
                r = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            r.headers().map().forEach((k, v) -> {
                if (!k.equalsIgnoreCase("content-length") && !k.equalsIgnoreCase("transfer-encoding") && !k.startsWith(":")) {
                    v.forEach(value -> ex.getResponseHeaders().add(k, value));
                }
            });
            byte[] body = r.body().readAllBytes();
            boolean isLayer = blob && body.length > 4096 && ex.getRequestMethod().equals("GET");
            if (isLayer && f == Fault.FLIP_BLOB_BYTE) {
                body[body.length / 2] ^= 1;
            }
            ex.sendResponseHeaders(r.statusCode(), ex.getRequestMethod().equals("HEAD") ? -1 : body.length == 0 ? -1 : body.length);
            if (body.length > 0 && !ex.getRequestMethod().equals("HEAD")) {
                OutputStream out = ex.getResponseBody();
                if (isLayer && (f == Fault.CUT_BLOB || f == Fault.CUT_BLOB_ONCE)) {
                    if (f == Fault.CUT_BLOB_ONCE) {
                        fault = Fault.NONE;
                    }
                    out.write(body, 0, body.length / 2);
                    out.flush();
                    throw new IOException("cut");    // the connection is dropped mid-body
                }
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
