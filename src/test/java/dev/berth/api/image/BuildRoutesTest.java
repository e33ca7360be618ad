package dev.berth.api.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.api.RouteHarness;
import dev.berth.build.BuildFailure;
import dev.berth.build.Builds;
import dev.berth.image.Digest;
import dev.berth.image.Platform;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The build route over a fake builder: the request it decodes, the messages it streams, its errors. */
class BuildRoutesTest {

    private static final String IMAGE = "sha256:" + "d".repeat(64);
    private static final Platform HERE = new Platform("linux", "amd64", "");
    private Builds.Request asked;
    private String context;

    private final Builds builds = new Builds() {
        @Override
        public Platform platform() {
            return HERE;
        }

        @Override
        public Digest build(InputStream contextTar, Request request, Output out) throws IOException {
            asked = request;
            context = new String(contextTar.readAllBytes(), StandardCharsets.UTF_8);
            out.stream("Step 1/2 : FROM scratch\n");
            out.aux(IMAGE);
            if (request.target().equals("broken")) {
                throw new BuildFailure("The command '/bin/sh -c false' returned a non-zero code: 1", 1);
            }
            out.built(IMAGE);
            return Digest.parse(IMAGE);
        }
    };

    private final RouteHarness api = RouteHarness.serve(new BuildRoutes(builds));

    @AfterEach
    void close() throws Exception {
        api.close();
    }

    private RouteHarness.Reply build(String query) throws Exception {
        return api.send("POST", "/v1.41/build" + query, "context tar".getBytes(StandardCharsets.UTF_8), "application/x-tar");
    }

    private static List<JsonNode> messages(RouteHarness.Reply r) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.body().split("\n")) {
            out.add(Json.MAPPER.readTree(line));
        }
        return out;
    }

    @Test
    void theQueryIsDecodedAndEachMessageIsALineOfJson() throws Exception {
        RouteHarness.Reply r = build("?t=app&t=shop/web:v2&buildargs=%7B%22A%22%3A%221%22%2C%22B%22%3Anull%7D&labels=%7B%22k%22%3A%22v%22%7D"
                + "&extrahosts=db:10.0.0.2,cache:10.0.0.3&extrahosts=log:10.0.0.4&rm=0&memory=67108864&dockerfile=ci/Dockerfile");
        assertEquals(200, r.status(), r.body());
        assertEquals("context tar", context);
        assertEquals(List.of("docker.io/library/app:latest", "docker.io/shop/web:v2"), asked.tags().stream().map(Object::toString).toList());
        assertEquals(Map.of("A", "1", "B", ""), asked.buildArgs());
        assertEquals(Map.of("k", "v"), asked.labels());
        assertEquals(List.of("db:10.0.0.2", "cache:10.0.0.3", "log:10.0.0.4"), asked.extraHosts());
        assertEquals("ci/Dockerfile", asked.dockerfile());
        assertEquals(67108864, asked.limits().memory());
        assertEquals(new Builds.Removal(false, false), asked.removal());
        List<JsonNode> m = messages(r);
        assertEquals("Step 1/2 : FROM scratch\n", m.get(0).path("stream").asText());
        assertEquals(IMAGE, m.get(1).path("aux").path("ID").asText());
        assertEquals(2, m.size(), r.body());
    }

    @Test
    void rmIsTheDefaultAndForcermImpliesIt() throws Exception {
        build("");
        assertEquals(new Builds.Removal(true, false), asked.removal());
        build("?forcerm=1&rm=0");
        assertEquals(new Builds.Removal(true, true), asked.removal());
    }

    @Test
    void aQuietBuildSendsTheAuxMessagesAndTheIdOnly() throws Exception {
        List<JsonNode> m = messages(build("?q=1"));
        assertEquals(IMAGE, m.get(0).path("aux").path("ID").asText());
        assertEquals(IMAGE + "\n", m.get(1).path("stream").asText());
        assertEquals(2, m.size());
    }

    @Test
    void aFailedStepIsAnErrorMessageInTheStream() throws Exception {
        RouteHarness.Reply r = build("?target=broken");
        assertEquals(200, r.status());
        JsonNode last = messages(r).getLast();
        assertEquals("The command '/bin/sh -c false' returned a non-zero code: 1", last.path("error").asText());
        assertEquals(1, last.path("errorDetail").path("code").asInt());
    }

    @Test
    void whatBerthDoesNotBuildIsRefusedBeforeTheBuild() throws Exception {
        RouteHarness.Reply remote = build("?remote=https%3A%2F%2Fexample.invalid%2Fctx.tar");
        assertEquals(501, remote.status());
        assertTrue(remote.message().contains("remote context"), remote.message());
        assertEquals(501, build("?version=2").status());
        RouteHarness.Reply arm = build("?platform=linux/arm64");
        assertEquals(400, arm.status());
        assertEquals("Berth builds for linux/amd64 only, not linux/arm64", arm.message());
        assertEquals(400, build("?t=app@sha256:" + "e".repeat(64)).status());
        assertEquals(400, build("?memory=lots").status());
        assertNull(asked, "no build ran");
    }

    @Test
    void registryCredentialsComeFromTheRegistryConfigHeader() throws Exception {
        String config = Base64.getEncoder().encodeToString("{\"https://registry.test:5000/v2/\":{\"username\":\"u\",\"password\":\"p\"}}"
                .getBytes(StandardCharsets.UTF_8));
        var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(api.url("/build")))
                .header("X-Registry-Config", config).POST(java.net.http.HttpRequest.BodyPublishers.ofString("ctx")).build();
        java.net.http.HttpClient.newHttpClient().send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(List.of("registry.test:5000"), List.copyOf(asked.registryAuth().keySet()));
        assertEquals("u", asked.registryAuth().get("registry.test:5000").username());
    }
}
