package dev.berth.api;

import dev.berth.errors.EngineException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiVersionTest {

    @Test
    void parsesAndOrdersNumerically() {
        assertEquals(new ApiVersion(1, 41), ApiVersion.parse("1.41"));
        assertEquals(new ApiVersion(2, 0), ApiVersion.parse("2"));
        assertTrue(ApiVersion.parse("1.9").compareTo(ApiVersion.parse("1.10")) < 0);
        assertEquals("1.47", ApiVersion.MAX.toString());
    }

    @Test
    void theRangeIsEnforcedWithAMessageNamingIt() {
        assertEquals(ApiVersion.MIN, ApiVersion.requested("1.24"));
        assertEquals(ApiVersion.MAX, ApiVersion.requested("1.47"));
        EngineException old = assertThrows(EngineException.class, () -> ApiVersion.requested("1.23"));
        assertEquals(EngineException.Kind.INVALID_ARGUMENT, old.kind());
        assertTrue(old.getMessage().contains("1.24") && old.getMessage().contains("1.47"), old.getMessage());
        assertTrue(assertThrows(EngineException.class, () -> ApiVersion.requested("1.48")).getMessage().contains("too new"));
        assertThrows(EngineException.class, () -> ApiVersion.parse("1.x"));
    }

    @Test
    void composeV1IsAnsweredAsDockerd2010AnsweredIt() {
        String compose = "docker-compose/1.29.2 docker-py/5.0.3 Linux/6.1.0";
        assertEquals(new ApiVersion(1, 41), ApiVersion.forClient(ApiVersion.MAX, compose));
        assertEquals(new ApiVersion(1, 38), ApiVersion.forClient(new ApiVersion(1, 38), compose), "an older version asked stays");
        assertEquals(ApiVersion.MAX, ApiVersion.forClient(ApiVersion.MAX, "docker-sdk-python/7.1.0"));
        assertEquals(ApiVersion.MAX, ApiVersion.forClient(ApiVersion.MAX, "Docker-Client/28.0.0 (linux)"));
        assertEquals(ApiVersion.MAX, ApiVersion.forClient(ApiVersion.MAX, null));
    }
}
