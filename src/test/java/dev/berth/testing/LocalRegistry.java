package dev.berth.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's docker-registry (the CNCF distribution registry) on 127.0.0.1, storing under a scratch dir,
 * with images put there by skopeo (independent of Berth) or by plain registry API calls.
 */
public final class LocalRegistry implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/bin/docker-registry");
    private static final Path SKOPEO = Path.of("/usr/bin/skopeo");

    private final Path dir;
    private final int port;
    private final Process process;
    private final HttpClient http = HttpClient.newHttpClient();

    private LocalRegistry(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    public static LocalRegistry start(Path dir) throws Exception {
        return start(dir, null, null, "", "");
    }

    /** A registry that takes bearer tokens from this token server (the flow Docker Hub uses). */
    public static LocalRegistry withTokens(Path dir, TokenServer tokens) throws Exception {
        return start(dir, null, null, "auth:\n  token:\n    realm: " + tokens.realm() + "\n    service: " + TokenServer.SERVICE
                + "\n    issuer: " + TokenServer.ISSUER + "\n    rootcertbundle: " + tokens.certificate() + "\n", "");
    }

    /** A registry that speaks only TLS, with a certificate made here (self-signed, for 127.0.0.1). */
    public static LocalRegistry withTls(Path dir) throws Exception {
        Files.createDirectories(dir);
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("tls.key").toString(),
                "-out", dir.resolve("tls.crt").toString(), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("openssl failed");
        }
        return start(dir, null, null, "", "  tls:\n    certificate: " + dir.resolve("tls.crt") + "\n    key: " + dir.resolve("tls.key") + "\n");
    }

    /**
     * A TLS-only registry that wants a client certificate signed by a CA made here: {@code client.cert},
     * {@code client.key} and {@code ca.crt} are left in {@link #clientCerts()} (a certs.d directory's files).
     */
    public static LocalRegistry withClientCerts(Path dir) throws Exception {
        Path certs = Files.createDirectories(dir.resolve("client-certs"));
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("ca.key").toString(),
                "-out", certs.resolve("ca.crt").toString(), "-days", "1", "-subj", "/CN=berth-test-ca");
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", certs.resolve("client.key").toString(),
                "-out", dir.resolve("client.csr").toString(), "-subj", "/CN=berth-client");
        openssl("x509", "-req", "-in", dir.resolve("client.csr").toString(), "-CA", certs.resolve("ca.crt").toString(),
                "-CAkey", dir.resolve("ca.key").toString(), "-CAcreateserial", "-out", certs.resolve("client.cert").toString(), "-days", "1");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("tls.key").toString(),
                "-out", dir.resolve("tls.crt").toString(), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
        return start(dir, null, null, "", "  tls:\n    certificate: " + dir.resolve("tls.crt") + "\n    key: " + dir.resolve("tls.key")
                + "\n    clientcas:\n      - " + certs.resolve("ca.crt") + "\n");
    }

    /** Where {@link #withClientCerts} left the client's files. */
    public Path clientCerts() {
        return dir.resolve("client-certs");
    }

    private static void openssl(String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("openssl"));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("openssl " + args[0] + " failed: " + out);
        }
    }

    /** A registry that wants this user and password (htpasswd, HTTP basic auth) for everything. */
    public static LocalRegistry start(Path dir, String user, String password) throws Exception {
        return start(dir, user, password, "", "");
    }

    private static LocalRegistry start(Path dir, String user, String password, String tokenAuth, String tls) throws Exception {
        assumeTrue(Files.isExecutable(BINARY) && Files.isExecutable(SKOPEO),
                "docker-registry or skopeo not installed (daemon/setup --test installs them): skipping");
        Files.createDirectories(dir);
        int port = BerthDaemon.freePort();
        String auth = tokenAuth;
        if (user != null) {
            assumeTrue(Files.isExecutable(Path.of("/usr/bin/htpasswd")), "htpasswd (apache2-utils) not installed: skipping");
            Process h = new ProcessBuilder("htpasswd", "-Bbc", dir.resolve("htpasswd").toString(), user, password)
                    .redirectErrorStream(true).start();
            h.getInputStream().readAllBytes();
            if (h.waitFor() != 0) {
                throw new IllegalStateException("htpasswd failed");
            }
            auth = "auth:\n  htpasswd:\n    realm: berth-test\n    path: " + dir.resolve("htpasswd") + "\n";
        }
        Path config = Files.writeString(dir.resolve("config.yml"), """
                version: 0.1
                log:
                  level: error
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("data"), port) + tls + auth);
        Process p = new ProcessBuilder(BINARY.toString(), "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile()).start();
        LocalRegistry r = new LocalRegistry(dir, port, p);
        for (int i = 0; i < 100; i++) {
            try (var probe = new java.net.Socket("127.0.0.1", port)) {
                return r;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        r.close();
        throw new IllegalStateException("the registry did not come up: " + Files.readString(dir.resolve("registry.log")));
    }

    /** {@code 127.0.0.1:PORT}, the registry part of image names. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public String url(String path) {
        return "http://" + host() + path;
    }

    /** Copies a docker-archive into the registry with skopeo, as {@code name} ("oci", "oci-zstd" or "v2s2" manifests). */
    public void copy(Path dockerArchive, String name, String format) throws Exception {
        copy(dockerArchive, name, format, null);
    }

    /** As {@link #copy(Path, String, String)}, logged in as {@code user:password}. */
    public void copy(Path dockerArchive, String name, String format, String userColonPassword) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(SKOPEO.toString(), "copy", "--dest-tls-verify=false",
                "--format", format));
        if (userColonPassword != null) {
            cmd.addAll(java.util.List.of("--dest-creds", userColonPassword));
        }
        if (Files.isDirectory(clientCerts())) {
            cmd.addAll(java.util.List.of("--dest-cert-dir", clientCerts().toString()));
        }
        if (format.equals("oci-zstd")) {
            cmd.set(cmd.indexOf("oci-zstd"), "oci");
            cmd.addAll(java.util.List.of("--dest-compress-format", "zstd"));
        }
        cmd.addAll(java.util.List.of("docker-archive:" + dockerArchive, "docker://" + host() + "/" + name));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("skopeo copy failed: " + out);
        }
    }

    /** The manifest a name has, as the registry serves it for these media types. */
    public HttpResponse<byte[]> manifest(String repo, String reference, String accept) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url("/v2/" + repo + "/manifests/" + reference))).header("Accept", accept).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Puts a manifest (or an index) under a tag. */
    public void putManifest(String repo, String tag, String mediaType, byte[] body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url("/v2/" + repo + "/manifests/" + tag)))
                .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("PUT manifest: " + r.statusCode() + " " + r.body());
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        BerthDaemon.deleteTree(dir);
    }
}
