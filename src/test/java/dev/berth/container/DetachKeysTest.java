package dev.berth.container;

import dev.berth.errors.EngineException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DetachKeysTest {

    @Test
    void parsesDockersNotation() {
        assertArrayEquals(new byte[] {16, 17}, DetachKeys.parse(null).sequence());
        assertArrayEquals(new byte[] {16, 17}, DetachKeys.parse("").sequence());
        assertArrayEquals(new byte[] {'a', 0, 27, 28, 29, 30, 31, 1}, DetachKeys.parse("a,ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,ctrl-A").sequence());
        for (String bad : List.of("ctrl-", "ctrl-1", "ab", "a,,b", "ctrl-p,")) {
            EngineException e = assertThrows(EngineException.class, () -> DetachKeys.parse(bad), bad);
            assertEquals("Invalid detach keys (" + bad + ") provided", e.getMessage());
        }
    }

    @Test
    void holdsBackAPossibleStartAndPassesItOnWhenItWasNot() {
        DetachKeys.Scanner s = DetachKeys.DEFAULT.scanner();
        assertArrayEquals("ab".getBytes(), s.filter("ab\u0010".getBytes()));
        assertArrayEquals("\u0010c".getBytes(), s.filter("c".getBytes()), "a false start goes through with what follows");
        assertArrayEquals(new byte[] {16}, s.filter(new byte[] {16, 16}), "a repeated first key keeps one held");
        assertFalse(s.detached());
        assertArrayEquals(new byte[0], s.filter("\u0011x".getBytes()));
        assertTrue(s.detached());
    }

    @Test
    void detachesOnTheWholeSequenceEvenSplitAcrossReads() {
        DetachKeys.Scanner s = DetachKeys.DEFAULT.scanner();
        assertArrayEquals("ls".getBytes(), s.filter("ls\u0010".getBytes()));
        assertFalse(s.detached());
        assertArrayEquals(new byte[0], s.filter("\u0011after".getBytes()));
        assertTrue(s.detached(), "what follows the sequence is not passed on");
        DetachKeys.Scanner one = DetachKeys.parse("q").scanner();
        assertArrayEquals("ab".getBytes(), one.filter("abq".getBytes()));
        assertTrue(one.detached());
    }
}
