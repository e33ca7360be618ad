package dev.berth.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.errors.EngineException;
import dev.berth.host.EngineJson;
import dev.berth.image.Digest;
import dev.berth.image.ImageReference;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OCI distribution protocol (v2) as a pull needs it: manifests by tag or digest, blobs, and the
 * bearer-token flow ({@code WWW-Authenticate: Bearer realm, service, scope}). Docker's rules for where
 * to connect: docker.io names go to registry-1.docker.io; loopback registries and those declared insecure
 * are spoken to over HTTPS without verification when they speak TLS, else over plain HTTP; every other
 * over HTTPS, verified against the system's CAs.
 */
public final class RegistryClient {

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(RegistryClient.class.getName());

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

    private final RegistryTransport transport;
    private final List<String> mirrors;
    /** The mirror serving a Docker Hub repository's pull, by path. */
    private final Map<String, String> mirrorOf = new ConcurrentHashMap<>();

    /**
     * @param insecure registries (host[:port], or CIDRs of literal addresses) spoken to without TLS verification
     * @param certsDir where {@code <host[:port]>/} directories hold a registry's CAs ({@code *.crt}) and client
     *                 certificate ({@code client.cert}, {@code client.key}), as dockerd reads /etc/docker/certs.d
     * @param mirrors  Docker Hub mirrors (URLs), tried in order before Docker Hub itself
     */
    RegistryClient(List<String> insecure, Path certsDir, List<String> mirrors) {
        this.transport = new RegistryTransport(insecure, certsDir);
        this.mirrors = mirrors.stream().map(m -> m.replaceAll("/+$", "")).toList();
    }

    /** Authorization header values by registry, repository and user, reused until the registry refuses one. */
    private final Map<String, String> authorizations = new ConcurrentHashMap<>();

    /** The manifest {@code ref} names (its digest, else its tag). */
    Manifest manifest(ImageReference ref, Credentials creds) throws IOException {
        if (ref.domain().equals(ImageReference.DOCKER_HUB) && !mirrors.isEmpty()) {
            // Docker Hub names go to the mirrors first, in order; the first that has the manifest serves the pull
            for (String mirror : mirrors) {
                mirrorOf.put(ref.path(), mirror);
                try {
                    return fetchManifest(ref, creds);
                } catch (IOException | EngineException e) {
                    LOG.fine(() -> "mirror " + mirror + " for " + ref.familiar() + ": " + e.getMessage());
                }
            }
            mirrorOf.remove(ref.path());
        }
        return fetchManifest(ref, creds);
    }

    private Manifest fetchManifest(ImageReference ref, Credentials creds) throws IOException {
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
        return new ResumingStream(ref, digest, creds, blobFrom(ref, digest, 0, creds));
    }

    /** The blob from byte {@code offset} on: a 206 where the registry serves ranges, else the whole blob with the start skipped. */
    private InputStream blobFrom(ImageReference ref, Digest digest, long offset, Credentials creds) throws IOException {
        URI uri = URI.create(pullBase(ref) + "/v2/" + ref.path() + "/blobs/" + digest);
        HttpResponse<InputStream> r = exchange(ref, "pull", auth -> {
            HttpRequest.Builder b = request(uri, auth).header("Accept", "*/*").GET();
            if (offset > 0) {
                b.header("Range", "bytes=" + offset + "-");
            }
            return b.build();
        }, creds);
        if (r.statusCode() == 206 && offset > 0) {
            return r.body();
        }
        if (r.statusCode() != 200) {
            r.body().close();
            check(ref, r);
            throw new IOException("blob " + digest + " of " + ref.familiarRepository() + ": HTTP " + r.statusCode());
        }
        InputStream body = r.body();
        body.skipNBytes(offset);    // no ranges served: what was read already is skipped
        return body;
    }

    /**
     * A blob download that picks up where it broke off (a Range request from the byte it got to, a few
     * times), so a registry connection that drops mid-layer costs the rest of the layer, not all of it.
     */
    private final class ResumingStream extends dev.berth.host.BlockInputStream {
        private static final int ATTEMPTS = 3;
        private final ImageReference ref;
        private final Digest digest;
        private final Credentials creds;
        private InputStream in;
        private long position;
        private int resumed;

        ResumingStream(ImageReference ref, Digest digest, Credentials creds, InputStream first) {
            this.ref = ref;
            this.digest = digest;
            this.creds = creds;
            this.in = first;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                try {
                    int n = in.read(b, off, len);
                    if (n > 0) {
                        position += n;
                    }
                    return n;
                } catch (IOException broken) {
                    if (resumed >= ATTEMPTS || position == 0) {
                        throw broken;
                    }
                    resumed++;
                    in.close();
                    in = blobFrom(ref, digest, position, creds);
                }
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Where a pull of {@code ref} reads: the mirror that served its manifest, else the registry. */
    private String pullBase(ImageReference ref) throws IOException {
        String mirror = ref.domain().equals(ImageReference.DOCKER_HUB) ? mirrorOf.get(ref.path()) : null;
        return mirror != null ? mirror : transport.base(ref.domain());
    }

    private HttpResponse<InputStream> get(ImageReference ref, String path, String accept, Credentials creds) throws IOException {
        URI uri = URI.create(pullBase(ref) + "/v2/" + ref.path() + path);
        return exchange(ref, "pull", auth -> request(uri, auth).header("Accept", accept).GET().build(), creds);
    }

    /**
     * One request to a repository, answering the registry's challenge once (Basic, or a Bearer token for
     * {@code repository:<path>:<actions>}) and remembering the answer for the next requests.
     */
    private HttpResponse<InputStream> exchange(ImageReference ref, String actions, java.util.function.Function<String, HttpRequest> request,
                                               Credentials creds) throws IOException {
        String key = authKey(ref, creds, actions);
        HttpResponse<InputStream> r = send(request.apply(authorizations.get(key)));
        if (r.statusCode() == 401) {
            String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
            r.body().close();
            String authorization = authorize(challenge, "repository:" + ref.path() + ":" + actions, creds)
                    .orElseThrow(() -> accessDenied(ref));
            authorizations.put(key, authorization);
            r = send(request.apply(authorization));
            if (r.statusCode() == 401) {
                r.body().close();
                authorizations.remove(key);
                throw accessDenied(ref);
            }
        }
        return r;
    }

    /** Which remembered Authorization a request uses: per repository, user and actions. */
    private static String authKey(ImageReference ref, Credentials creds, String actions) {
        return ref.domain() + "/" + ref.path() + "|" + creds.key() + "|" + actions;
    }

    private static HttpRequest.Builder request(URI uri, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    // ---- push ----

    /** The size of the blob when the repository has it (HEAD); empty when it has not. */
    java.util.OptionalLong blobSize(ImageReference ref, Digest digest, Credentials creds) throws IOException {
        URI uri = URI.create(transport.base(ref.domain()) + "/v2/" + ref.path() + "/blobs/" + digest);
        HttpResponse<InputStream> r = exchange(ref, "pull,push", auth -> request(uri, auth).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), creds);
        r.body().close();
        return r.statusCode() == 200 ? java.util.OptionalLong.of(r.headers().firstValueAsLong("Content-Length").orElse(0)) : java.util.OptionalLong.empty();
    }

    /** Mounts a blob another repository of the same registry has; false when the registry would not. */
    boolean mount(ImageReference ref, Digest digest, String fromPath, Credentials creds) throws IOException {
        URI uri = URI.create(transport.base(ref.domain()) + "/v2/" + ref.path() + "/blobs/uploads/?mount=" + digest + "&from="
                + URLEncoder.encode(fromPath, StandardCharsets.UTF_8));
        HttpResponse<InputStream> r = exchange(ref, "pull,push", auth -> request(uri, auth).POST(HttpRequest.BodyPublishers.noBody()).build(), creds);
        r.body().close();
        if (r.statusCode() == 201) {
            return true;
        }
        if (r.statusCode() == 202) {
            // an upload was started instead: cancelled, the caller uploads the blob itself
            URI upload = location(uri, r);
            send(request(upload, sameOrigin(upload, uri) ? authorizations.get(authKey(ref, creds, "pull,push")) : null).DELETE().build())
                    .body().close();
        }
        return false;
    }

    /** Uploads a blob whole (POST, then PUT with its digest). */
    void upload(ImageReference ref, Digest digest, java.util.function.Supplier<HttpRequest.BodyPublisher> body, Credentials creds)
            throws IOException {
        URI start = URI.create(transport.base(ref.domain()) + "/v2/" + ref.path() + "/blobs/uploads/");
        HttpResponse<InputStream> r = exchange(ref, "pull,push", auth -> request(start, auth).POST(HttpRequest.BodyPublishers.noBody()).build(), creds);
        r.body().close();
        if (r.statusCode() != 202) {
            throw failed(ref, "starting an upload", r.statusCode());
        }
        URI location = location(start, r);
        URI put = URI.create(location + (location.toString().contains("?") ? "&" : "?") + "digest=" + digest);
        java.util.function.Function<String, HttpRequest> putRequest = auth -> request(put, auth)
                .header("Content-Type", "application/octet-stream").PUT(body.get()).build();
        // an upload location on another host (a storage backend) gets none of the registry's credentials, nor an answer to its challenge
        HttpResponse<InputStream> done = sameOrigin(put, start) ? exchange(ref, "pull,push", putRequest, creds) : send(putRequest.apply(null));
        done.body().close();
        if (done.statusCode() != 201) {
            throw failed(ref, "uploading " + digest, done.statusCode());
        }
    }

    /** Puts a manifest under a tag; answers its digest. */
    Digest putManifest(ImageReference ref, String mediaType, byte[] manifest, Credentials creds) throws IOException {
        URI uri = URI.create(transport.base(ref.domain()) + "/v2/" + ref.path() + "/manifests/" + ref.tag());
        HttpResponse<InputStream> r = exchange(ref, "pull,push", auth -> request(uri, auth).header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(), creds);
        try (InputStream body = r.body()) {
            if (r.statusCode() != 201) {
                throw failed(ref, "putting the manifest: " + new String(body.readNBytes(4096), StandardCharsets.UTF_8).strip(), r.statusCode());
            }
        }
        return Digest.of(manifest);
    }

    /** Same scheme, host and port: where the registry's credentials may go. */
    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static URI location(URI base, HttpResponse<?> r) throws IOException {
        return base.resolve(r.headers().firstValue("Location").orElseThrow(() -> new IOException("the registry gave no upload location")));
    }

    private static EngineException failed(ImageReference ref, String what, int status) {
        return new EngineException(EngineException.Kind.UNAVAILABLE, "pushing to " + ref.familiarRepository() + ": " + what
                + ": the registry answered HTTP " + status);
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
        URI uri = URI.create(transport.base(domain) + "/v2/");
        HttpResponse<InputStream> r = send(request(uri, null).GET().build());
        r.body().close();
        String identityToken = "";
        if (r.statusCode() == 401) {
            String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
            String authorization;
            if (challenge.regionMatches(true, 0, "Bearer", 0, 6) && creds.registryToken().isEmpty()) {
                // as dockerd logs in: a token for offline access, whose refresh token the client keeps instead of the password
                JsonNode answer = tokenAnswer(challenge, null, creds, true).orElseThrow(() -> unauthorized(domain));
                authorization = "Bearer " + answer.path("token").asText(answer.path("access_token").asText(""));
                identityToken = answer.path("refresh_token").asText("");
            } else {
                authorization = authorize(challenge, null, creds).orElseThrow(() -> unauthorized(domain));
            }
            HttpResponse<InputStream> again = send(request(uri, authorization).GET().build());
            again.body().close();
            if (again.statusCode() != 200) {
                throw unauthorized(domain);
            }
        } else if (r.statusCode() != 200) {
            throw new EngineException(EngineException.Kind.UNAVAILABLE, "login to " + domain + ": the registry answered HTTP " + r.statusCode());
        }
        return identityToken;
    }

    private static EngineException unauthorized(String domain) {
        return EngineException.unauthorized("Get \"" + domain + "/v2/\": unauthorized: incorrect username or password");
    }

    private HttpResponse<InputStream> send(HttpRequest request) throws IOException {
        URI uri = request.uri();
        HttpClient client = transport.clientFor(uri);
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while talking to " + uri.getHost(), e);
        } catch (java.net.ConnectException e) {
            throw new IOException("Get \"" + uri + "\": dial tcp " + uri.getHost() + ":" + port(uri) + ": connect: connection refused", e);
        }
    }

    /** A token from the realm the challenge names, for its scope (or {@code defaultScope}), asked as the user or anonymously. */
    private java.util.Optional<String> token(String challenge, String defaultScope, Credentials creds) throws IOException {
        return tokenAnswer(challenge, defaultScope, creds, false)
                .map(json -> json.path("token").asText(json.path("access_token").asText("")))
                .filter(t -> !t.isEmpty());
    }

    /**
     * The token server's answer, as distribution's token handler asks: with an identity token (a refresh token
     * from an earlier login), an OAuth2 POST of it; else a GET as the user (with {@code offline} a refresh token
     * asked for too, {@code offline_token=true}) or anonymously. Empty when the server refuses.
     */
    private java.util.Optional<JsonNode> tokenAnswer(String challenge, String defaultScope, Credentials creds, boolean offline)
            throws IOException {
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
        Map<String, String> form = new LinkedHashMap<>();
        if (params.containsKey("service")) {
            form.put("service", params.get("service"));
        }
        if (scope != null) {
            form.put("scope", scope);
        }
        HttpRequest request;
        if (!creds.identityToken().isEmpty()) {
            form.put("client_id", CLIENT_ID);
            form.put("grant_type", "refresh_token");
            form.put("refresh_token", creds.identityToken());
            request = request(URI.create(realm), null).header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(encode(form))).build();
        } else {
            if (offline && !creds.username().isEmpty()) {
                form.put("offline_token", "true");
                form.put("client_id", CLIENT_ID);
            }
            String query = encode(form);
            request = request(URI.create(realm + (query.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + query)),
                    creds.username().isEmpty() ? null : creds.basic()).header("Accept", "application/json").GET().build();
        }
        HttpResponse<InputStream> r = send(request);
        try (InputStream body = r.body()) {
            if (r.statusCode() != 200) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(EngineJson.MAPPER.readTree(body.readNBytes(1 << 20)));
        }
    }

    /** The OAuth2 client id dockerd names itself by to token servers. */
    private static final String CLIENT_ID = "docker";

    private static String encode(Map<String, String> form) {
        StringBuilder out = new StringBuilder();
        form.forEach((k, v) -> out.append(out.isEmpty() ? "" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return out.toString();
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

    private static int port(URI uri) {
        return uri.getPort() > 0 ? uri.getPort() : uri.getScheme().equals("https") ? 443 : 80;
    }
}
