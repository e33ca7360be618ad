package dev.berth.image;

import dev.berth.errors.EngineException;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A sha256 content digest, {@code sha256:<64 hex>}: how blobs, layers and images are named. */
public record Digest(String hex) {

    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");

    public Digest {
        if (!HEX.matcher(hex).matches()) {
            throw EngineException.invalid("invalid digest: " + hex);
        }
    }

    public static Digest parse(String text) {
        if (!text.startsWith("sha256:")) {
            throw EngineException.invalid("invalid digest \"" + text + "\": only sha256 is supported");
        }
        return new Digest(text.substring("sha256:".length()));
    }

    public static boolean isDigest(String text) {
        return text.startsWith("sha256:") && HEX.matcher(text.substring(7)).matches();
    }

    public static Digest of(byte[] data) {
        return new Digest(HexFormat.of().formatHex(sha256().digest(data)));
    }

    public static Digest of(MessageDigest finished) {
        return new Digest(HexFormat.of().formatHex(finished.digest()));
    }

    /** A SHA-256 digest (the host's libcrypto where there is one: see {@link dev.berth.host.NativeSha256}). */
    public static MessageDigest sha256() {
        return dev.berth.host.NativeSha256.create();
    }

    /** The 12-hex short id the docker CLI shows. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public String toString() {
        return "sha256:" + hex;
    }
}
