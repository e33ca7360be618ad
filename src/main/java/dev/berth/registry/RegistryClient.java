package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.errors.EngineException;
import dev.berth.image.Digest;
import dev.berth.image.ImageReference;
import dev.berth.store.EngineJson;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OCI distribution protocol (v2) as a pull needs it: manifests by tag or digest, blobs, and the
 * anonymous bearer-token flow ({@code WWW-Authenticate: Bearer realm, service, scope}). Docker's rules
 * for where to connect: docker.io names go to registry-1.docker.io, loopback registries are spoken to
 * over plain HTTP, every other over HTTPS.
 */
public final class RegistryClient {

    /** The most bytes a manifest or index may have, as containerd and dockerd cap them. */
    static final int MAX_MANIFEST = 4 << 20;

    static final List<String> MANIFEST_TYPES = List.of(
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json");

    /** A manifest or index as the registry sent it: its media type, its bytes and their digest. */
    record Manifest(String mediaType, byte[] bytes, Digest digest) {
        JsonNode json() throws IOException {
            return EngineJson.MAPPER.readTree(bytes);
        }
    }

    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30)).build();
    /** Authorization header values by registry, repository and user, reused until the registry refuses one. */
    private final Map<String, String> authorizations = new ConcurrentHashMap<>();

    /** The manifest {@code ref} names (its digest, else its tag). */
    Manifest manifest(ImageReference ref, Credentials creds) throws IOException {
        String reference = ref.digest() != null ? ref.digest().toString() : ref.tag();
        HttpResponse<InputStream> r = get(ref, "/manifests/" + reference, String.join(", ", MANIFEST_TYPES), creds);
        try (InputStream body = r.body()) {
            if (r.statusCode() == 404) {
                throw EngineException.notFound("manifest for " + ref.familiar() + " not found: manifest unknown");
            }
            check(ref, r);
            byte[] bytes = body.readNBytes(MAX_MANIFEST + 1);
            if (bytes.length > MAX_MANIFEST) {
                throw EngineException.invalid("the manifest of " + ref.familiar() + " is larger than " + MAX_MANIFEST + " bytes");
            }
            Digest digest = Digest.of(bytes);
            if (ref.digest() != null && !ref.digest().equals(digest)) {
                throw EngineException.invalid("manifest digest mismatch for " + ref.familiar() + ": the registry sent " + digest);
            }
            String type = r.headers().firstValue("Content-Type").orElse("").split(";")[0].strip();
            return new Manifest(type, bytes, digest);
        }
    }

    /** A blob of {@code ref}'s repository, as a stream the caller verifies and closes. */
    InputStream blob(ImageReference ref, Digest digest, Credentials creds) throws IOException {
        HttpResponse<InputStream> r = get(ref, "/blobs/" + digest, "*/*", creds);
        if (r.statusCode() != 200) {
            r.body().close();
            check(ref, r);
            throw new IOException("blob " + digest + " of " + ref.familiarRepository() + ": HTTP " + r.statusCode());
        }
        return r.body();
    }

    private HttpResponse<InputStream> get(ImageReference ref, String path, String accept, Credentials creds) throws IOException {
        URI uri = URI.create(base(ref.domain()) + "/v2/" + ref.path() + path);
        String key = ref.domain() + "/" + ref.path() + "|" + creds.who();
        HttpResponse<InputStream> r = send(uri, accept, authorizations.get(key));
        if (r.statusCode() == 401) {
            String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
            r.body().close();
            String authorization = authorize(challenge, "repository:" + ref.path() + ":pull", creds)
                    .orElseThrow(() -> accessDenied(ref));
            authorizations.put(key, authorization);
            r = send(uri, accept, authorization);
            if (r.statusCode() == 401) {
                r.body().close();
                authorizations.remove(key);
                throw accessDenied(ref);
            }
        }
        return r;
    }

    /**
     * The Authorization header that answers a registry's challenge: Basic with the user's password, or a
     * Bearer token from the challenge's realm (asked with the user's password, or anonymously). Empty
     * when the challenge cannot be met.
     */
    private java.util.Optional<String> authorize(String challenge, String defaultScope, Credentials creds) throws IOException {
        if (challenge.regionMatches(true, 0, "Basic ", 0, 6)) {
            return creds.username().isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(creds.basic());
        }
        if (!challenge.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return java.util.Optional.empty();
        }
        if (!creds.registryToken().isEmpty()) {
            return java.util.Optional.of("Bearer " + creds.registryToken());
        }
        return token(challenge, defaultScope, creds).map(t -> "Bearer " + t);
    }

    /**
     * {@code docker login}: whether the registry takes these credentials (a registry that asks for none
     * takes any). Answers the identity token the registry gave, if any.
     */
    public String login(String domain, Credentials creds) throws IOException {
        URI uri = URI.create(base(domain) + "/v2/");
        HttpResponse<InputStream> r = send(uri, "application/json", null);
        r.body().close();
        if (r.statusCode() == 401) {
            String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
            String authorization = authorize(challenge, null, creds).orElseThrow(() -> unauthorized(domain));
            HttpResponse<InputStream> again = send(uri, "application/json", authorization);
            again.body().close();
            if (again.statusCode() != 200) {
                throw unauthorized(domain);
            }
        } else if (r.statusCode() != 200) {
            throw new EngineException(EngineException.Kind.UNAVAILABLE, "login to " + domain + ": the registry answered HTTP " + r.statusCode());
        }
        return "";
    }

    private static EngineException unauthorized(String domain) {
        return EngineException.unauthorized("Get \"" + base(domain) + "/v2/\": unauthorized: incorrect username or password");
    }

    private HttpResponse<InputStream> send(URI uri, String accept, String authorization) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", accept).timeout(Duration.ofMinutes(10)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while talking to " + uri.getHost(), e);
        } catch (java.net.ConnectException e) {
            throw new IOException("Get \"" + uri + "\": dial tcp " + uri.getHost() + ":" + port(uri) + ": connect: connection refused", e);
        }
    }

    /** A token from the realm the challenge names, for its scope (or {@code defaultScope}), asked as the user or anonymously. */
    private java.util.Optional<String> token(String challenge, String defaultScope, Credentials creds) throws IOException {
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = CHALLENGE_PARAM.matcher(challenge);
        while (m.find()) {
            params.put(m.group(1).toLowerCase(java.util.Locale.ROOT), m.group(2));
        }
        String realm = params.get("realm");
        if (realm == null) {
            return java.util.Optional.empty();
        }
        String scope = params.getOrDefault("scope", defaultScope);
        StringBuilder q = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
        if (params.containsKey("service")) {
            q.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8)).append('&');
        }
        if (scope != null) {
            q.append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        }
        HttpResponse<InputStream> r = send(URI.create(q.toString()), "application/json", creds.username().isEmpty() ? null : creds.basic());
        try (InputStream body = r.body()) {
            if (r.statusCode() != 200) {
                return java.util.Optional.empty();
            }
            JsonNode json = EngineJson.MAPPER.readTree(body.readNBytes(1 << 20));
            String token = json.path("token").asText(json.path("access_token").asText(""));
            return token.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(token);
        }
    }

    private static void check(ImageReference ref, HttpResponse<?> r) {
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw accessDenied(ref);
        }
        if (r.statusCode() == 429) {
            throw new EngineException(EngineException.Kind.UNAVAILABLE, "toomanyrequests: the registry " + ref.domain()
                    + " asks to retry later" + r.headers().firstValue("Retry-After").map(s -> " (after " + s + "s)").orElse(""));
        }
        if (r.statusCode() != 200) {
            throw new EngineException(EngineException.Kind.UNAVAILABLE, "the registry " + ref.domain() + " answered HTTP "
                    + r.statusCode() + " for " + ref.familiar());
        }
    }

    private static EngineException accessDenied(ImageReference ref) {
        return EngineException.notFound("pull access denied for " + ref.familiarRepository()
                + ", repository does not exist or may require 'docker login'");
    }

    /** Where a registry is: Docker Hub's API host, plain HTTP for loopback, HTTPS for the rest. */
    static String base(String domain) {
        if (domain.equals(ImageReference.DOCKER_HUB)) {
            return "https://registry-1.docker.io";
        }
        return (loopback(domain) ? "http://" : "https://") + domain;
    }

    private static boolean loopback(String domain) {
        String host = domain.startsWith("[") ? domain.substring(1, domain.indexOf(']')) : domain.replaceFirst(":\\d+$", "");
        if (host.equals("localhost")) {
            return true;
        }
        if (!host.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false;   // a name: never looked up here, only a literal loopback address counts
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    private static int port(URI uri) {
        return uri.getPort() > 0 ? uri.getPort() : uri.getScheme().equals("https") ? 443 : 80;
    }
}
