package dev.berth.registry;

import dev.berth.image.ImageReference;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How Berth reaches a registry: its base URL (HTTPS; for an insecure registry HTTPS without verification or
 * plain HTTP, as it answers) and the HTTP client for it (with its certs.d CAs and client certificate).
 */
public final class RegistryTransport {

    /**
     * The shared clients, made on first use (each has a selector thread and TLS state; making both took ~70 ms of
     * every daemon start): "" verifies certificates, "insecure" does not (dockerd's InsecureSkipVerify, for the
     * registries declared insecure).
     */
    private final Map<String, HttpClient> shared = new ConcurrentHashMap<>();
    private final List<String> insecure;
    private final Path certsDir;
    /** How each insecure registry answered: its base URL, https:// when it speaks TLS, else http://. */
    private final Map<String, String> insecureBases = new ConcurrentHashMap<>();
    /** Clients for registries with a certs.d directory (their CAs, their client certificate). */
    private final Map<String, HttpClient> withCerts = new ConcurrentHashMap<>();

    RegistryTransport(List<String> insecure, Path certsDir) {
        this.insecure = List.copyOf(insecure);
        this.certsDir = certsDir;
    }

    /** What /info shows of where Berth connects: the insecure registries' CIDRs and hosts. */
    public static List<String> insecureCidrs(List<String> configured) {
        List<String> out = new java.util.ArrayList<>(List.of("127.0.0.0/8", "::1/128"));
        configured.stream().filter(c -> c.contains("/")).forEach(out::add);
        return out;
    }

    /**
     * Where a registry is: Docker Hub's API host; HTTPS for a secure registry; for an insecure one (loopback,
     * or named by --insecure-registry) HTTPS without verification when it speaks TLS, else plain HTTP, as
     * dockerd tries them.
     */
    String base(String domain) throws IOException {
        if (domain.equals(ImageReference.DOCKER_HUB)) {
            return "https://registry-1.docker.io";
        }
        if (!insecure(domain)) {
            return "https://" + domain;
        }
        String known = insecureBases.get(domain);
        if (known != null) {
            return known;
        }
        String base = speaksPlainHttp(domain) ? "http://" + domain : "https://" + domain;
        insecureBases.put(domain, base);
        return base;
    }

    /**
     * Whether the registry on this host:port answers plain HTTP. Asked in plain HTTP, not by a TLS
     * handshake: a plain HTTP server given a ClientHello waits for a request line that never comes, while
     * a TLS server given a plain request answers at once (Go's says "...to an HTTPS server").
     */
    private static boolean speaksPlainHttp(String domain) {
        int colon = domain.lastIndexOf(':');
        if (colon < 0 || domain.endsWith("]")) {
            return false;   // no port: HTTPS on 443 first, as dockerd tries it
        }
        String host = domain.substring(0, colon).replaceAll("^\\[|\\]$", "");
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(host, Integer.parseInt(domain.substring(colon + 1))), 5000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET /v2/ HTTP/1.0\r\nHost: " + domain + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readNBytes(512), StandardCharsets.ISO_8859_1);
            return answer.startsWith("HTTP/") && !answer.contains("HTTPS server");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private boolean insecure(String domain) {
        String host = domain.startsWith("[") ? domain.substring(1, domain.indexOf(']')) : domain.replaceFirst(":\\d+$", "");
        if (host.equals("localhost") || insecure.contains(domain) || insecure.contains(host)) {
            return true;
        }
        if (!host.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false;   // a name: never looked up here, only a literal address is matched against CIDRs
        }
        try {
            InetAddress address = InetAddress.getByName(host);
            return address.isLoopbackAddress() || insecure.stream().filter(c -> c.contains("/")).anyMatch(c -> inCidr(address, c));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean inCidr(InetAddress address, String cidr) {
        try {
            String[] parts = cidr.split("/");
            byte[] net = InetAddress.getByName(parts[0]).getAddress();
            byte[] a = address.getAddress();
            int bits = Integer.parseInt(parts[1]);
            if (net.length != a.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((net[i / 8] & mask) != (a[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The client for a URL: with the registry's certs.d files where it has some, unverified for an insecure one. */
    HttpClient clientFor(URI uri) throws IOException {
        if (!uri.getScheme().equals("https")) {
            return shared("");
        }
        String authority = uri.getRawAuthority();
        Path dir = certsDir == null ? null : certsDir.resolve(authority);
        if (dir != null && Files.isDirectory(dir)) {
            HttpClient c = withCerts.get(authority);
            if (c == null) {
                c = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(30))
                        .sslContext(CertsDir.sslContext(dir, insecure(authority))).build();
                withCerts.put(authority, c);
            }
            return c;
        }
        return shared(insecure(authority) ? "insecure" : "");
    }

    private HttpClient shared(String kind) {
        return shared.computeIfAbsent(kind, k -> {
            HttpClient.Builder b = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(30));
            return (k.isEmpty() ? b : b.sslContext(trustAll())).build();
        });
    }

    /** Trusts any certificate and any host name: only for the registries the user declared insecure. */
    static javax.net.ssl.TrustManager trustAllManager() {
        return new javax.net.ssl.X509ExtendedTrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) { }
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) { }
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a, java.net.Socket s) { }
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a, java.net.Socket s) { }
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a, javax.net.ssl.SSLEngine e) { }
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a, javax.net.ssl.SSLEngine e) { }
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        };
    }

    /** Trusts any certificate and any host name: only for the registries the user declared insecure. */
    private static javax.net.ssl.SSLContext trustAll() {
        try {
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {trustAllManager()}, null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
