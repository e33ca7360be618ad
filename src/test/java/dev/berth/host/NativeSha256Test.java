package dev.berth.host;

import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** libcrypto's SHA-256 through FFM gives Java's answers, in one piece or in chunks, and again after a digest. */
class NativeSha256Test {

    @Test
    void digestsAsJavaDoes() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(5).nextBytes(data);
        MessageDigest java = MessageDigest.getInstance("SHA-256");
        MessageDigest ours = NativeSha256.create();
        assertArrayEquals(java.digest(new byte[0]), ours.digest(new byte[0]));
        for (int off = 0; off < data.length; off += 65_537) {
            int n = Math.min(65_537, data.length - off);
            java.update(data, off, n);
            ours.update(data, off, n);
        }
        ours.update((byte) 7);
        java.update((byte) 7);
        assertArrayEquals(java.digest(), ours.digest());
        assertArrayEquals(java.digest(data), ours.digest(data), "a digest resets it");
    }
}
