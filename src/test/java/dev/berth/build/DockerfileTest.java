package dev.berth.build;

import dev.berth.errors.EngineException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Dockerfile grammar, variable substitution and .dockerignore patterns. */
class DockerfileTest {

    @Test
    void continuationsCommentsFlagsAndBothForms() {
        List<Instruction> all = DockerfileParser.parse("""
                # a comment
                ARG BASE=busybox
                FROM ${BASE} AS build
                RUN echo one \\
                # skipped inside the continuation
                    && echo two

                COPY --from=build --chown=1:2 /a /b
                CMD ["sh", "-c", "echo hi"]
                ENTRYPOINT echo shell form
                """);
        assertEquals(List.of("ARG", "FROM", "RUN", "COPY", "CMD", "ENTRYPOINT"), all.stream().map(Instruction::keyword).toList());
        assertEquals("echo one     && echo two", all.get(2).args());
        assertEquals(8, all.get(3).line(), "lines count from 1");
        assertEquals(Map.of("from", "build", "chown", "1:2"), all.get(3).flags());
        assertEquals(List.of("sh", "-c", "echo hi"), all.get(4).json());
        assertNull(all.get(5).json());
        assertThrows(EngineException.class, () -> DockerfileParser.parse("FROM busybox\nBOGUS x\n"));
        assertThrows(EngineException.class, () -> DockerfileParser.parse("# only a comment\n"));
        List<Instruction> escaped = DockerfileParser.parse("# escape=`\nFROM busybox\nRUN echo a `\n  b\n");
        assertEquals("echo a   b", escaped.get(1).args());
    }

    @Test
    void variablesExpandWithDefaultsAndAlternatives() {
        Map<String, String> vars = Map.of("A", "1", "EMPTY", "");
        assertEquals("1-1-x-y--$A", Substitution.expand("$A-${A}-${EMPTY:-x}-${A:+y}-${EMPTY:+z}-\\$A", vars, '\\'));
        assertEquals("/opt/app", Substitution.expand("${DIR:-/opt}/app", vars, '\\'));
    }

    @Test
    void dockerignoreFollowsGosPatternsWithExceptions() {
        DockerIgnore ignore = new DockerIgnore("""
                # comment
                *.log
                build/
                **/secret*
                !keep.log
                """);
        assertTrue(ignore.excluded("a.log"));
        assertFalse(ignore.excluded("keep.log"));
        assertFalse(ignore.excluded("dir/a.log"), "* does not cross directories");
        assertTrue(ignore.excluded("build/x/y"), "a directory's contents go with it");
        assertTrue(ignore.excluded("deep/down/secret.txt"));
        assertTrue(ignore.excluded("secret.txt"), "**/ matches no directory too");
        assertFalse(ignore.excluded("src/main.c"));
    }

    @Test
    void envPairsAndDurations() {
        Instruction env = DockerfileParser.instruction("ENV A=1 B=\"two words\" C=three\\ words", 1, '\\');
        List<String[]> pairs = ConfigInstructions.pairs(env.args(), env);
        assertEquals("two words", pairs.get(1)[1]);
        assertEquals("three words", pairs.get(2)[1]);
        assertEquals("x y", ConfigInstructions.pairs("A x y", env).getFirst()[1]);
        assertEquals(90_000_000_000L, ConfigInstructions.goDurationNanos("1m30s"));
        assertThrows(BuildFailure.class, () -> ConfigInstructions.goDurationNanos("5 minutes"));
    }
}
