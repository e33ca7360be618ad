package dev.berth.build;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Go's filepath.Match patterns with ** (Glob), and that no pattern can make a match backtrack without end. */
class GlobTest {

    /** Pattern, path, whether it matches, and why. */
    private record Case(String pattern, String path, boolean matches, String why) {}

    @Test
    void matchesAsGoAndDockerignoreDo() {
        List<Case> cases = List.of(
                new Case("*.log", "a.log", true, "* within a name"),
                new Case("*.log", "dir/a.log", false, "* does not cross directories"),
                new Case("a?c", "abc", true, "? is one character"),
                new Case("a?c", "a/c", false, "? is not a separator"),
                new Case("[a-c]x", "bx", true, "a range"),
                new Case("[^a-c]x", "bx", false, "a negated range"),
                new Case("[!a-c]x", "dx", true, "! negates too"),
                new Case("\\*x", "*x", true, "an escaped star is a star"),
                new Case("\\*x", "ax", false, "and only a star"),
                new Case("[x", "[x", true, "an unclosed class is a literal"),
                new Case("**/secret.txt", "secret.txt", true, "**/ matches no directory too"),
                new Case("**/secret.txt", "deep/down/secret.txt", true, "**/ matches any directories"),
                new Case("**/c", "abc", false, "**/ ends with a separator when it matches anything"),
                new Case("a/**", "a/b/c", true, "** crosses directories"),
                new Case("a/**/z", "a/z", true, "no directory between"),
                new Case("a/**/z", "a/b/c/z", true, "directories between"),
                new Case("a/**/z", "a/bz", false, "a name is not a directory"),
                new Case("src/*/*.c", "src/x/main.c", true, "one directory"),
                new Case("src/*/*.c", "src/main.c", false, "one directory, not none"));
        for (Case c : cases) {
            assertEquals(c.matches(), Glob.compile(c.pattern()).matches(c.path()), c.pattern() + " ~ " + c.path() + ": " + c.why());
        }
    }

    @Test
    void aPatternBuiltToBacktrackIsMatchedInLinearTime() {
        String pattern = "**/".repeat(25) + "z";
        String path = "a/".repeat(40) + "b";
        // a backtracking regex of this pattern does not finish in hours; here it is a bounded walk (the bound only guards a hang)
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertFalse(Glob.compile(pattern).matches(path));
            assertFalse(new DockerIgnore(pattern).excluded(path));
            assertTrue(Glob.compile(pattern).matches("a/".repeat(40) + "z"));
        });
    }
}
