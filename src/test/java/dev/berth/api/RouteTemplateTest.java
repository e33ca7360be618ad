package dev.berth.api;

import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteTemplateTest {

    private static Matcher match(String template, String path) {
        return Pattern.compile(new RouteTemplate(HttpMethod.GET, template).regex()).matcher(path);
    }

    @Test
    void idParametersAreOneSegment() {
        Matcher m = match("/containers/{id}/json", "/containers/abc123/json");
        assertTrue(m.matches());
        assertEquals("abc123", m.group("id"));
        assertFalse(match("/containers/{id}/json", "/containers/a/b/json").matches());
    }

    @Test
    void imageNamesSpanSlashesAndColons() {
        Matcher m = match("/images/{name}/json", "/images/localhost:5000/team/app:1.2/json");
        assertTrue(m.matches());
        assertEquals("localhost:5000/team/app:1.2", m.group("name"));
        assertFalse(match("/images/{name}/json", "/images/json").matches());
    }

    @Test
    void literalPartsAreNotRegex() {
        assertTrue(match("/_ping", "/_ping").matches());
        assertFalse(match("/v.x", "/vax").matches());
    }
}
