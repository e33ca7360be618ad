package dev.berth.registry;

import dev.berth.errors.EngineException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * A registry's certs.d directory, as dockerd reads {@code /etc/docker/certs.d/<host[:port]>/}: CAs
 * ({@code *.crt}) trusted besides the system's, and a client certificate ({@code client.cert} with its
 * PKCS#8 key {@code client.key}) presented when the registry asks for one.
 */
final class CertsDir {

    private CertsDir() {}

    /** @param insecure the registry is declared insecure: its certificate is not verified, the client certificate still shown */
    static SSLContext sslContext(Path dir, boolean insecure) throws IOException {
        try {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            TrustManager[] trust;
            if (insecure) {
                trust = new TrustManager[] {RegistryTransport.trustAllManager()};
            } else {
                KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
                try (InputStream system = Files.newInputStream(Path.of(System.getProperty("java.home"), "lib", "security", "cacerts"))) {
                    trusted.load(system, null);
                }
                try (DirectoryStream<Path> crts = Files.newDirectoryStream(dir, "*.crt")) {
                    int i = 0;
                    for (Path crt : crts) {
                        for (Certificate c : certificates(x509, crt)) {
                            trusted.setCertificateEntry("certs.d-" + i++, c);
                        }
                    }
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trusted);
                trust = tmf.getTrustManagers();
            }
            KeyManagerFactory kmf = null;
            Path cert = dir.resolve("client.cert");
            Path key = dir.resolve("client.key");
            if (Files.exists(cert) && Files.exists(key)) {
                KeyStore mine = KeyStore.getInstance("PKCS12");
                mine.load(null, null);
                char[] none = new char[0];
                mine.setKeyEntry("client", privateKey(key), none, certificates(x509, cert).toArray(Certificate[]::new));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(mine, none);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), trust, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw EngineException.invalid("the certificates in " + dir + " cannot be used: " + e.getMessage());
        }
    }

    private static Collection<? extends Certificate> certificates(CertificateFactory x509, Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            return x509.generateCertificates(in);
        }
    }

    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem);
        if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
            throw EngineException.invalid(pem + " is not a PKCS#8 key (BEGIN PRIVATE KEY): convert it with openssl pkcs8 -topk8 -nocrypt");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z ]+-----", ""));
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisOne) {
                // try the next kind of key
            }
        }
        throw EngineException.invalid(pem + ": a key of a kind Berth does not know (RSA, EC and Ed25519 are)");
    }
}
