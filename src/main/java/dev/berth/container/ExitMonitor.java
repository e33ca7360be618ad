package dev.berth.container;

import dev.berth.runtime.OciRuntime;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Where exits arrive: conmon's exit files (through inotify, with a rescan when events were lost) and
 * the deaths of monitors that could not write one. Each is handed to {@code settle} on a thread of its
 * own, never on the watcher's, so a burst of exits cannot hold up the watch; a transition holding a
 * container's lock waits for its exit through {@link #exitOf}.
 */
final class ExitMonitor implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ExitMonitor.class.getName());

    private final OciRuntime runtime;
    private final Supplier<List<Container>> containers;
    private final Consumer<String> settle;
    private final WatchService watcher;
    private final Path exitDir;
    private final Map<String, CompletableFuture<Void>> exits = new ConcurrentHashMap<>();
    private final ExecutorService work = Executors.newVirtualThreadPerTaskExecutor();
    private final MonitorWatch monitors = new MonitorWatch(this::ended);
    /** Exec sessions' own directories being watched for their exit file, by watch key. */
    private final Map<WatchKey, ExecWatch> execs = new ConcurrentHashMap<>();
    private Thread thread;

    /** @param settle records what happened to a container (it takes the container's lock) */
    ExitMonitor(Path exitDir, OciRuntime runtime, Supplier<List<Container>> containers, Consumer<String> settle) throws IOException {
        this.runtime = runtime;
        this.containers = containers;
        this.settle = settle;
        this.watcher = FileSystems.getDefault().newWatchService();
        this.exitDir = exitDir;
        exitDir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    }

    /** Starts watching, and looks once at what exited before. */
    void start() {
        thread = Thread.ofPlatform().daemon().name("exit-watcher").start(this::watch);
        rescan();
    }

    /** Completed when the container's exit file appears or its monitor dies (at once when the file is there). */
    CompletableFuture<Void> exitOf(String id) throws IOException {
        CompletableFuture<Void> f = exits.computeIfAbsent(id, k -> new CompletableFuture<>());
        if (runtime.exitCode(runtime.paths(id)).isPresent()) {
            f.complete(null);
        }
        return f;
    }

    /** A transition is done waiting for this exit. */
    void done(String id, CompletableFuture<Void> exit) {
        exits.remove(id, exit);
    }

    private record ExecWatch(OciRuntime.Paths session, Runnable ended) {}

    /**
     * Runs {@code ended} once the exec session's exit file has its code (at once when it has), so a
     * detached exec's end is reported when it happens, not when a client next looks.
     */
    void watchExec(OciRuntime.Paths session, Runnable ended) throws IOException {
        WatchKey key = session.exitFile().getParent().register(watcher,
                StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        execs.put(key, new ExecWatch(session, ended));
        execChanged(key);
    }

    private void execChanged(WatchKey key) {
        ExecWatch w = execs.get(key);
        if (w == null) {
            return;
        }
        try {
            if ((!key.isValid() || runtime.exitCode(w.session()).isPresent()) && execs.remove(key, w)) {
                key.cancel();
                work.execute(w.ended());
            }
        } catch (IOException | RuntimeException e) {
            LOG.fine("exit file " + w.session().exitFile() + ": " + e.getMessage());
        }
    }

    void watchMonitor(String id, ProcessHandle monitor) {
        monitors.watch(id, monitor);
    }

    void forgetMonitor(String id) {
        monitors.forget(id);
    }

    private void watch() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                if (!exitDir.equals(key.watchable())) {
                    key.pollEvents();
                    key.reset();
                    execChanged(key);       // a session's directory: only its exit file matters
                    continue;
                }
                for (var event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        rescan();       // events were lost: look at every running container's exit file
                    } else if (event.context() instanceof Path p) {
                        ended(p.getFileName().toString());
                    }
                }
                key.reset();
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closing
        }
    }

    private void rescan() {
        for (Container c : containers.get()) {
            try {
                if (c.state().running() && runtime.exitCode(runtime.paths(c.id())).isPresent()) {
                    ended(c.id());
                }
            } catch (IOException | RuntimeException e) {
                LOG.fine("exit file of " + c.id() + ": " + e.getMessage());
            }
        }
    }

    /** Wakes a transition waiting for this exit, and has it recorded elsewhere (that waits for the transition). */
    private void ended(String id) {
        CompletableFuture<Void> waiting = exits.get(id);
        if (waiting != null) {
            waiting.complete(null);
        }
        work.execute(() -> settle.accept(id));
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        if (thread != null) {
            thread.interrupt();
        }
        monitors.close();
        work.shutdown();
    }
}
