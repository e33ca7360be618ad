package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.errors.EngineException;
import dev.berth.host.EngineJson;

import java.io.IOException;
import java.util.Base64;

/**
 * What a client says about who it is at a registry: the {@code X-Registry-Auth} header (base64url JSON,
 * as the docker CLI sends it) or a {@code POST /auth} body. Never logged: {@link #toString} hides it.
 */
public record Credentials(String username, String password, String identityToken, String registryToken) {

    public static final Credentials NONE = new Credentials("", "", "", "");

    /** From the header's value; none, empty or {@code {}} is anonymous. A header that does not decode is a 400. */
    public static Credentials fromHeader(String header) {
        if (header == null || header.isBlank()) {
            return NONE;
        }
        byte[] json;
        try {
            json = Base64.getUrlDecoder().decode(header.strip().replace('+', '-').replace('/', '_'));
        } catch (IllegalArgumentException e) {
            throw EngineException.invalid("invalid X-Registry-Auth header: not base64");
        }
        try {
            return of(EngineJson.MAPPER.readTree(json));
        } catch (IOException e) {
            throw EngineException.invalid("invalid X-Registry-Auth header: not JSON");
        }
    }

    /** From an AuthConfig object ({@code username}, {@code password}, {@code identitytoken}, {@code registrytoken}). */
    public static Credentials of(JsonNode auth) {
        return new Credentials(text(auth, "username"), text(auth, "password"), text(auth, "identitytoken"), text(auth, "registrytoken"));
    }

    private static String text(JsonNode auth, String field) {
        for (var f : auth.properties()) {
            if (f.getKey().equalsIgnoreCase(field)) {
                return f.getValue().asText("");
            }
        }
        return "";
    }

    public boolean anonymous() {
        return username.isEmpty() && identityToken.isEmpty() && registryToken.isEmpty();
    }

    /** The user name, for cache keys and messages; the secrets stay inside. */
    String who() {
        return username.isEmpty() ? (anonymous() ? "" : "<token>") : username;
    }

    /**
     * What tells these credentials from others, for caches: a digest of all of them, so that a token a
     * registry granted one client is never reused for another with the same user name but other secrets.
     */
    String key() {
        try {
            var md = java.security.MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {username, password, identityToken, registryToken}) {
                md.update(part.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Credentials[" + who() + "]";
    }
}
