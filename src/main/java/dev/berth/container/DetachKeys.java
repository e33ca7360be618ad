package dev.berth.container;

import dev.berth.errors.EngineException;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * The key sequence that ends an attach session without touching the container (default
 * {@code ctrl-p,ctrl-q}), in Docker's notation: comma-separated keys, each a single character or
 * {@code ctrl-<a-z @ [ \ ] ^ _>}.
 */
public record DetachKeys(byte[] sequence) {

    public static final DetachKeys DEFAULT = parse("ctrl-p,ctrl-q");

    /** The sequence, or the default when the text is null or empty; a malformed one is a 400. */
    public static DetachKeys parse(String text) {
        if (text == null || text.isEmpty()) {
            return DEFAULT;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String key : text.split(",", -1)) {
            String k = key.toLowerCase(Locale.ROOT);
            if (k.startsWith("ctrl-") && k.length() == 6) {
                char c = k.charAt(5);
                if (c >= 'a' && c <= 'z') {
                    out.write(c - 'a' + 1);
                } else if ("@[\\]^_".indexOf(c) >= 0) {
                    out.write(c == '@' ? 0 : c - '[' + 27);
                } else {
                    throw invalid(text);
                }
            } else if (key.length() == 1) {
                out.write(key.charAt(0));
            } else {
                throw invalid(text);
            }
        }
        return new DetachKeys(out.toByteArray());
    }

    private static EngineException invalid(String text) {
        return EngineException.invalid("Invalid detach keys (" + text + ") provided");
    }

    /** Watches one session's input for the sequence. Bytes that might begin it are held back until it is clear. */
    public Scanner scanner() {
        return new Scanner(sequence);
    }

    /** Not thread-safe: one per session, fed in input order. */
    public static final class Scanner {
        private final byte[] sequence;
        private int matched;
        private boolean detached;

        private Scanner(byte[] sequence) {
            this.sequence = sequence;
        }

        /** The bytes to pass on to the container; once the whole sequence was seen, {@link #detached()} is true. */
        public byte[] filter(byte[] in) {
            ByteArrayOutputStream pass = new ByteArrayOutputStream(in.length + matched);
            for (byte b : in) {
                if (detached) {
                    break;
                }
                if (b == sequence[matched]) {
                    if (++matched == sequence.length) {
                        detached = true;
                    }
                    continue;
                }
                pass.write(sequence, 0, matched);   // a false start: what was held goes through
                matched = 0;
                if (b == sequence[0]) {
                    matched = 1;
                    detached = sequence.length == 1;
                } else {
                    pass.write(b);
                }
            }
            return pass.toByteArray();
        }

        public boolean detached() {
            return detached;
        }
    }
}
