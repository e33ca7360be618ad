package dev.berth.api.container;

import dev.berth.api.Json;
import dev.berth.container.config.ContainerCreate;
import dev.berth.errors.EngineException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The create and update requests' JSON types, checked as Go's decoder in dockerd checks them. */
class RequestShapeTest {

    private static com.fasterxml.jackson.databind.JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String refused(Runnable check) {
        EngineException e = assertThrows(EngineException.class, check::run);
        assertEquals(EngineException.Kind.INVALID_ARGUMENT, e.kind());
        return e.getMessage();
    }

    @Test
    void aFieldOfTheWrongTypeIsRefusedNamingItsPath() throws Exception {
        assertEquals("invalid JSON at HostConfig.Memory: expected a whole number, got string \"64m\"",
                refused(() -> RequestShape.checkCreate(json("{\"HostConfig\":{\"Memory\":\"64m\"}}"))));
        assertEquals("invalid JSON at Healthcheck.Retries: expected a whole number, got string \"3\"",
                refused(() -> RequestShape.checkCreate(json("{\"Healthcheck\":{\"Retries\":\"3\"}}"))));
        assertEquals("invalid JSON at HostConfig.RestartPolicy.Name: expected a string, got number 1",
                refused(() -> RequestShape.checkCreate(json("{\"HostConfig\":{\"RestartPolicy\":{\"Name\":1}}}"))));
    }

    @Test
    void nullIsNotGivenAndUnknownFieldsAreIgnored() throws Exception {
        assertDoesNotThrow(() -> RequestShape.checkCreate(json(
                "{\"Cmd\":null,\"Entrypoint\":\"sh\",\"HostConfig\":{\"Memory\":null,\"NotAField\":{}},\"Frobnicate\":1}")));
        ContainerCreate c = RequestShape.create(json("{\"Image\":\"busybox\",\"Entrypoint\":\"sh\",\"Cmd\":null}"), "web", null);
        assertEquals("web", c.name());
        assertEquals(List.of("sh"), c.config().entrypoint(), "a plain string is a one-element list, as dockerd reads it");
        assertEquals(List.of(), c.config().cmd());
    }

    @Test
    void anUpdateChangesOnlyTheLimitsAndTheRestartPolicy() throws Exception {
        assertDoesNotThrow(() -> RequestShape.checkUpdate(json("{\"Memory\":67108864,\"RestartPolicy\":{\"Name\":\"always\"},\"Image\":\"\"}")));
        String m = refused(() -> RequestShape.checkUpdate(json("{\"Memory\":1,\"Privileged\":true}")));
        assertEquals(true, m.startsWith("Privileged cannot be changed by an update"), m);
    }
}
