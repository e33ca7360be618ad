package dev.berth.container;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Notices a container's monitor (conmon) dying while the container runs: one thread polls every watched
 * monitor (they are no children of the daemon, so nothing signals their end), and reports each death
 * once. Without this a SIGKILLed conmon leaves its container "running" for good.
 */
final class MonitorWatch implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(MonitorWatch.class.getName());
    private static final long PERIOD_MS = 1000;

    private final Map<String, ProcessHandle> watched = new ConcurrentHashMap<>();
    private final Consumer<String> died;
    private final Thread thread;

    MonitorWatch(Consumer<String> died) {
        this.died = died;
        this.thread = Thread.ofPlatform().daemon().name("monitor-watch").start(this::run);
    }

    void watch(String id, ProcessHandle monitor) {
        watched.put(id, monitor);
    }

    void forget(String id) {
        watched.remove(id);
    }

    private void run() {
        try {
            while (true) {
                Thread.sleep(PERIOD_MS);
                // ProcessHandle.isAlive also checks the start time, so a reused pid is not taken for the monitor
                watched.forEach((id, monitor) -> {
                    if (!monitor.isAlive() && watched.remove(id, monitor)) {
                        LOG.warning("the monitor (conmon, pid " + monitor.pid() + ") of container " + id + " died");
                        died.accept(id);
                    }
                });
            }
        } catch (InterruptedException closing) {
            // the engine is closing
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
