package dev.berth.system;

import dev.berth.host.ChildProcesses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A helper binary's own report of its version, from {@code TOOL --version}
 * ("conmon version 2.1.6\ncommit: ...", "runc version 1.1.5\ncommit: v1.1.5-0-g...\nspec: 1.0.2-dev").
 * Blocking: call it off the event loop.
 */
public record ToolVersion(String name, Path path, String version, String commit) {

    private static final Pattern VERSION = Pattern.compile("version\\s+(\\S+)");
    private static final Pattern COMMIT = Pattern.compile("(?m)^commit:\\s*(\\S+)");

    public static Optional<ToolVersion> of(String name, Path path) {
        try {
            Process p = ChildProcesses.builder(path.toString(), "--version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return Optional.of(parse(name, path, out));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static ToolVersion parse(String name, Path path, String output) {
        Matcher v = VERSION.matcher(output);
        Matcher c = COMMIT.matcher(output);
        return new ToolVersion(name, path, v.find() ? v.group(1) : output.strip(), c.find() ? c.group(1) : "");
    }
}
