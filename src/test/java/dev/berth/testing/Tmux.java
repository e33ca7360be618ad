package dev.berth.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A terminal for interactive tests: a detached tmux server of its own (socket in the test's scratch dir)
 * running one command in a window of a given size, typed into with {@link #type} and read with {@link #screen}.
 */
public final class Tmux implements AutoCloseable {

    private final Path socket;
    private final Map<String, String> env;

    private Tmux(Path socket, Map<String, String> env) {
        this.socket = socket;
        this.env = env;
    }

    /** Starts {@code command} in a {@code width}x{@code height} terminal; skips the test when tmux is missing. */
    public static Tmux start(Path scratch, Map<String, String> env, int width, int height, String command) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tmux")), "tmux is not installed (daemon/setup --test installs it): skipping");
        Tmux t = new Tmux(scratch.resolve("tmux.sock"), env);
        t.tmux("new-session", "-d", "-s", "t", "-x", Integer.toString(width), "-y", Integer.toString(height), command);
        return t;
    }

    /** Starts another command in a new session of the same server. */
    public void startAnother(String command, int width, int height) throws Exception {
        tmux("kill-session", "-t", "t");
        tmux("new-session", "-d", "-s", "t", "-x", Integer.toString(width), "-y", Integer.toString(height), command);
    }

    /** Types text and keys: tmux key names such as {@code Enter}, {@code C-p}. */
    public void type(String... keys) throws Exception {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", "t"));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    public void resize(int width, int height) throws Exception {
        tmux("resize-window", "-t", "t", "-x", Integer.toString(width), "-y", Integer.toString(height));
    }

    /** What the terminal shows now; empty once its command has ended (the session is gone). */
    public String screen() throws Exception {
        return tmux("capture-pane", "-p", "-t", "t");
    }

    /** Waits until the screen shows {@code text}; fails with what it shows after 20 s. */
    public String waitFor(String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String s = screen();
        while (!s.contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            s = screen();
        }
        if (!s.contains(text)) {
            throw new AssertionError("the terminal never showed \"" + text + "\"; it shows:\n" + s);
        }
        return s;
    }

    /** Waits until the command in the terminal has ended. */
    public boolean waitForExit() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (run("has-session", "-t", "t").exitValue() != 0) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private String tmux(String... args) throws Exception {
        Process p = run(args);
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private Process run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.waitFor(20, TimeUnit.SECONDS);
        return p;
    }

    @Override
    public void close() throws Exception {
        run("kill-server");
    }
}
