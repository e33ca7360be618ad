package dev.berth.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;

/**
 * A token server for the registry's bearer flow, as Docker Hub's is: it grants what a scope asks for to
 * one user with one password (and nothing to anyone else), in a JWT signed with a key whose certificate
 * the registry trusts ({@link #certificate()}, made with openssl). Asked with {@code offline_token=true}, it
 * also gives a refresh token, which an OAuth2 POST ({@code grant_type=refresh_token}) then trades for
 * tokens as the password would (dockerd's identity tokens).
 */
public final class TokenServer implements AutoCloseable {

    public static final String SERVICE = "berth-registry";
    public static final String ISSUER = "berth-test";

    private final HttpServer server;
    private final PrivateKey key;
    private final String certDer;
    private final Path certificate;
    private final String user;
    private final String password;
    private final java.util.Set<String> refreshTokens = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** How many tokens were granted through a refresh token. */
    private final java.util.concurrent.atomic.AtomicInteger refreshed = new java.util.concurrent.atomic.AtomicInteger();

    public TokenServer(Path dir, String user, String password) throws Exception {
        this.user = user;
        this.password = password;
        Files.createDirectories(dir);
        Path keyFile = dir.resolve("token-key.pem");
        this.certificate = dir.resolve("token-cert.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile.toString(),
                "-out", certificate.toString(), "-days", "1", "-subj", "/CN=" + ISSUER).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("openssl failed");
        }
        this.key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pem(keyFile)));
        this.certDer = Base64.getEncoder().encodeToString(pem(certificate));
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/token", this::token);
        server.start();
    }

    public String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    public int refreshed() {
        return refreshed.get();
    }

    public Path certificate() {
        return certificate;
    }

    private static byte[] pem(Path file) throws IOException {
        String body = Files.readString(file).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }

    private void token(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String query = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
            boolean known = auth != null && auth.equals("Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
            if (ex.getRequestMethod().equals("POST")) {
                query = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String refresh = param(query, "refresh_token");
                known = param(query, "grant_type").equals("refresh_token") && refreshTokens.contains(refresh);
                if (!known) {
                    ex.sendResponseHeaders(401, -1);
                    return;
                }
                refreshed.incrementAndGet();
            } else if (auth != null && !known) {
                ex.sendResponseHeaders(401, -1);
                return;
            }
            String refreshToken = "";
            if (known && ex.getRequestMethod().equals("GET") && param(query, "offline_token").equals("true")) {
                refreshToken = UUID.randomUUID().toString();
                refreshTokens.add(refreshToken);
            }
            List<Map<String, Object>> access = new ArrayList<>();
            for (String kv : query.split("&")) {
                if (kv.startsWith("scope=") && known) {
                    String[] scope = URLDecoder.decode(kv.substring(6), StandardCharsets.UTF_8).split(":");
                    access.add(Map.of("type", scope[0], "name", scope[1], "actions", List.of(scope[2].split(","))));
                }
            }
            long now = System.currentTimeMillis() / 1000;
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("iss", ISSUER);
            claims.put("sub", known ? user : "");
            claims.put("aud", SERVICE);
            claims.put("exp", now + 300);
            claims.put("nbf", now - 10);
            claims.put("iat", now);
            claims.put("jti", UUID.randomUUID().toString());
            claims.put("access", access);
            String jwt = jwt(Map.of("typ", "JWT", "alg", "RS256", "x5c", List.of(certDer)), claims);
            byte[] body = ("{\"token\":\"" + jwt + "\",\"access_token\":\"" + jwt + "\",\"expires_in\":300"
                    + (refreshToken.isEmpty() ? "" : ",\"refresh_token\":\"" + refreshToken + "\"") + "}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static String param(String query, String name) {
        for (String kv : query.split("&")) {
            if (kv.startsWith(name + "=")) {
                return URLDecoder.decode(kv.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    private String jwt(Map<String, Object> header, Map<String, Object> claims) throws java.security.GeneralSecurityException, IOException {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString(mapper.writeValueAsBytes(header)) + "." + b64.encodeToString(mapper.writeValueAsBytes(claims));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + b64.encodeToString(s.sign());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
