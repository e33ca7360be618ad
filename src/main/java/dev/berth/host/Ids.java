package dev.berth.host;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Docker-style identifiers: 64 random hex digits, for containers, exec sessions, networks and endpoints. */
public final class Ids {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    public static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
