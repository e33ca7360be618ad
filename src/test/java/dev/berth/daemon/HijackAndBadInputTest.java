package dev.berth.daemon;

import dev.berth.api.ApiRouter;
import dev.berth.api.RouteTable;
import dev.berth.api.Json;
import dev.berth.api.hijack.HijackedStream;
import dev.berth.errors.EngineException;
import dev.berth.testing.BerthDaemon;
import dev.berth.testing.RawHttp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reusable HTTP pieces, on a real unix socket with the daemon's own listener code: hijacked
 * streams in both forms with half-close, and the error answers for bad input. The routes are test
 * routes; the container routes that use these pieces are tested against the daemon itself.
 */
class HijackAndBadInputTest {

    record Sample(String name, int count) {}

    private static Vertx vertx;
    private static Path dir;
    private static Path socket;

    /** Short timeouts and a small cap, so that the tests can see them act. */
    private static final DaemonConfig.Connections LIMITS = new DaemonConfig.Connections(Duration.ofSeconds(1), Duration.ofSeconds(2), 30);

    @BeforeAll
    static void start() throws Exception {
        dir = BerthDaemon.scratch();
        socket = dir.resolve("t.sock");
        vertx = Vertx.builder().with(Berthd.vertxOptions(2)).withTransport(new ActivatedTransport()).build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ApiRouter api = new ApiRouter(vertx, 1024, null, registry, List.of(HijackAndBadInputTest::routes));
        Listeners listeners = new Listeners(vertx, api.router(), api.routes().hijackPaths(),
                new ConnectionTracker(vertx, registry, null, () -> {}), LIMITS);
        DaemonConfig config = new DaemonConfig(List.of(new HostAddress.Unix(socket)), dir, dir, null, null, null, Level.INFO,
                null, null, 1024, Duration.ofSeconds(1), LIMITS, List.of(), dir, List.of(), List.of(), null);
        listeners.listen(config, List.of()).await(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
        BerthDaemon.deleteTree(dir);
    }

    /** An echo session: "ready", each chunk upper-cased, and after the client's half-close "input ended", "bye". */
    private static void routes(RouteTable routes) {
        routes.hijack("/containers/{id}/attach", ctx -> {
            if (ctx.pathParam("id").equals("missing")) {
                throw EngineException.notFound("No such container: missing");
            }
            HijackedStream.open(ctx, HijackedStream.RAW).onSuccess(stream -> {
                stream.writeStream().write(Buffer.buffer("ready\n"));
                stream.handler(b -> stream.writeStream().write(Buffer.buffer(b.toString().toUpperCase())));
                stream.inputEndHandler(v -> ctx.vertx().setTimer(100, t -> stream.writeStream().write(Buffer.buffer("input ended\n"))
                        .compose(x -> stream.writeStream().write(Buffer.buffer("bye\n")))
                        .onComplete(x -> stream.close())));
            }).onFailure(ctx::fail);
        });
        routes.withBody(HttpMethod.POST, "/test/json", ctx -> {
            Sample s = Json.decode(ctx.body().buffer(), Sample.class);
            Json.send(ctx, 200, Map.of("Name", s.name(), "Count", s.count()));
        });
        routes.get("/test/crash", ctx -> {
            throw new IllegalStateException("boom");
        });
    }

    private static final Map<String, String> UPGRADE = Map.of("Connection", "Upgrade", "Upgrade", "tcp");

    @Test
    void upgradeFormAnswers101ThenStreamsBothWaysAndSurvivesHalfClose() throws Exception {
        try (RawHttp c = new RawHttp(socket)) {
            c.sendRequest("POST", "/v1.47/containers/abc/attach?stream=1&stdin=1", UPGRADE, null);
            RawHttp.Response head = c.readHead();
            assertEquals(101, head.status());
            assertEquals("application/vnd.docker.raw-stream", head.header("content-type"));
            assertEquals("tcp", head.header("upgrade"));
            assertEquals("ready\n", text(c.readExactly(6)));
            c.write("hello".getBytes(StandardCharsets.UTF_8));
            assertEquals("HELLO", text(c.readExactly(5)));
            c.shutdownOutput();
            assertEquals("input ended\nbye\n", text(c.readToEnd()));
        }
    }

    @Test
    void plainFormAnswers200ThenTheSameStream() throws Exception {
        try (RawHttp c = new RawHttp(socket)) {
            c.sendRequest("POST", "/containers/abc/attach", Map.of(), null);
            RawHttp.Response head = c.readHead();
            assertEquals(200, head.status());
            assertEquals("application/vnd.docker.raw-stream", head.header("content-type"));
            assertEquals("ready\n", text(c.readExactly(6)));
            c.write("x".getBytes(StandardCharsets.UTF_8));
            assertEquals("X", text(c.readExactly(1)));
            c.shutdownOutput();
            assertEquals("input ended\nbye\n", text(c.readToEnd()));
        }
    }

    @Test
    void aHalfCloseSentWithTheRequestReachesTheSessionAfterTheUpgrade() throws Exception {
        try (RawHttp c = new RawHttp(socket)) {
            c.sendRequest("POST", "/containers/abc/attach", UPGRADE, null);
            c.shutdownOutput();
            assertEquals(101, c.readHead().status());
            assertEquals("ready\ninput ended\nbye\n", text(c.readToEnd()));
        }
    }

    @Test
    void bytesSentWithTheRequestAreNotLost() throws Exception {
        try (RawHttp c = new RawHttp(socket)) {
            c.sendRequest("POST", "/containers/abc/attach", UPGRADE, null);
            c.write("early".getBytes(StandardCharsets.UTF_8));
            Thread.sleep(200);
            c.write("later".getBytes(StandardCharsets.UTF_8));
            c.shutdownOutput();
            assertEquals(101, c.readHead().status());
            assertEquals("ready\nEARLYLATERinput ended\nbye\n", text(c.readToEnd()));
        }
    }

    @Test
    void aFailingHijackAnswersJsonBeforeAnyUpgrade() throws Exception {
        RawHttp.Response r = RawHttp.request(socket, "POST", "/containers/missing/attach", UPGRADE, null);
        assertEquals(404, r.status());
        assertEquals("{\"message\":\"No such container: missing\"}", r.bodyText());
        assertEquals(405, RawHttp.request(socket, "GET", "/containers/abc/attach", UPGRADE, null).status());
    }

    @Test
    void aClientThatVanishesMidStreamLeavesTheServerHealthy() throws Exception {
        for (int i = 0; i < 20; i++) {
            RawHttp c = new RawHttp(socket);
            c.sendRequest("POST", "/containers/abc/attach", UPGRADE, null);
            assertEquals(101, c.readHead().status());
            c.close();
        }
        assertEquals(200, json("{\"Name\":\"ok\",\"Count\":1}").status());
    }

    @Test
    void malformedJsonIs400WithTheParsersReason() throws Exception {
        RawHttp.Response r = json("{\"Name\": ");
        assertEquals(400, r.status());
        assertTrue(r.bodyText().startsWith("{\"message\":\"invalid JSON"), r.bodyText());
    }

    @Test
    void wrongTypesAre400NamingTheField() throws Exception {
        RawHttp.Response r = json("{\"Name\":\"x\",\"Count\":\"many\"}");
        assertEquals(400, r.status());
        assertTrue(r.bodyText().contains("Count"), r.bodyText());
        assertEquals(400, json("[1,2]").status());
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        RawHttp.Response r = json("{\"Name\":\"" + "x".repeat(2000) + "\",\"Count\":1}");
        assertEquals(413, r.status());
        assertTrue(r.bodyText().contains("max-request-body"), r.bodyText());
    }

    @Test
    void wellFormedJsonIsDecoded() throws Exception {
        RawHttp.Response r = json("{\"Name\":\"berth\",\"Count\":3,\"Unknown\":true}");
        assertEquals(200, r.status());
        assertTrue(r.bodyText().contains("\"Name\":\"berth\"") && r.bodyText().contains("\"Count\":3"), r.bodyText());
    }

    @Test
    void anUnexpectedExceptionIs500WithAMessageAndTheServerCarriesOn() throws Exception {
        RawHttp.Response r = RawHttp.request(socket, "GET", "/test/crash", Map.of(), null);
        assertEquals(500, r.status());
        assertEquals("{\"message\":\"boom\"}", r.bodyText());
        assertEquals(200, json("{\"Name\":\"after\",\"Count\":2}").status());
    }

    /** Reads to the end of the stream, which must come (the server closes the connection) within 10 s. */
    private static byte[] closedByServer(RawHttp c) {
        return assertTimeoutPreemptively(Duration.ofSeconds(10), c::readToEnd, "the server kept the connection open");
    }

    @Test
    void idleAndStalledConnectionsAreClosedStreamsAreNot() throws Exception {
        try (RawHttp c = new RawHttp(socket)) {
            c.sendRequest("POST", "/test/json", Map.of("Content-Type", "application/json"),
                    "{\"Name\":\"a\",\"Count\":1}".getBytes(StandardCharsets.UTF_8));
            RawHttp.Response head = c.readHead();
            assertEquals(200, head.status());
            c.readBody(head);
            assertEquals(0, closedByServer(c).length, "an idle keep-alive connection is closed");
        }
        try (RawHttp c = new RawHttp(socket)) {
            c.write("POST /test/json HTTP/1.1\r\nHost: x\r\nContent-Type: appl".getBytes(StandardCharsets.UTF_8));
            closedByServer(c);      // slowloris: a request head that never ends
        }
        try (RawHttp c = new RawHttp(socket)) {
            c.write(("POST /test/json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
                    .getBytes(StandardCharsets.UTF_8));
            closedByServer(c);      // a Content-Length larger than the body sent
        }
        try (RawHttp c = new RawHttp(socket)) {
            c.sendRequest("POST", "/containers/abc/attach?stream=1&stdin=1", UPGRADE, null);
            assertEquals(101, c.readHead().status());
            assertEquals("ready\n", text(c.readExactly(6)));
            Thread.sleep(3000);     // quieter than both timeouts: a stream is the client's to keep
            c.write("still".getBytes(StandardCharsets.UTF_8));
            assertEquals("STILL", text(c.readExactly(5)));
        }
    }

    @Test
    void connectionsOverTheCapAreRefusedAndTheDaemonCarriesOn() throws Exception {
        java.util.List<RawHttp> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                open.add(new RawHttp(socket));
            }
            int answered = 0;
            int refused = 0;
            for (RawHttp c : open) {
                try {
                    c.sendRequest("POST", "/test/json", Map.of("Content-Type", "application/json"),
                            "{\"Name\":\"a\",\"Count\":1}".getBytes(StandardCharsets.UTF_8));
                    c.readHead();
                    answered++;
                } catch (java.io.IOException closed) {
                    refused++;
                }
            }
            assertTrue(answered <= 30 && refused >= 10, answered + " answered, " + refused + " refused");
        } finally {
            for (RawHttp c : open) {
                c.close();
            }
        }
        Thread.sleep(200);
        assertEquals(200, json("{\"Name\":\"ok\",\"Count\":1}").status(), "served again once connections closed");
    }

    @Test
    void brokenChunkedEncodingIs400() throws Exception {
        try (RawHttp c = new RawHttp(socket)) {
            c.write(("POST /test/json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "zz\r\n{}\r\n0\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            RawHttp.Response head = c.readHead();
            assertEquals(400, head.status());
        }
    }

    private static RawHttp.Response json(String body) throws Exception {
        return RawHttp.request(socket, "POST", "/test/json", Map.of("Content-Type", "application/json"),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
