package dev.berth.container;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransitionLocksTest {

    private final TransitionLocks locks = new TransitionLocks();
    private final List<String> order = new CopyOnWriteArrayList<>();
    // a thread each: the common pool may have a single worker on a small machine
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void close() {
        threads.shutdownNow();
    }

    private static boolean awaited(CountDownLatch latch) throws java.io.InterruptedIOException {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new java.io.InterruptedIOException();
        }
    }

    /** A stop waiting for the exit, on its own thread: it returns once {@code exited} is counted down. */
    private CompletableFuture<Void> stopWaitingFor(CountDownLatch exited, CountDownLatch waiting) {
        return CompletableFuture.runAsync(() -> {
            try {
                locks.with("c", () -> {
                    order.add("stop signal");
                    locks.released("c", () -> {
                        waiting.countDown();
                        assertTrue(awaited(exited));
                        return null;
                    });
                    order.add("stop done");
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, threads);
    }

    private CompletableFuture<Void> transition(String name, boolean interrupting, CountDownLatch ran) {
        return CompletableFuture.runAsync(() -> {
            try {
                TransitionLocks.Work<Void> work = () -> {
                    order.add(name);
                    ran.countDown();
                    return null;
                };
                if (interrupting) {
                    locks.interrupting("c", work);
                } else {
                    locks.with("c", work);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, threads);
    }

    @Test
    void aKillRunsDuringAStopsWaitAndASecondStopAfterIt() throws Exception {
        CountDownLatch exited = new CountDownLatch(1);
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Void> stop = stopWaitingFor(exited, waiting);
        assertTrue(waiting.await(10, TimeUnit.SECONDS));

        CountDownLatch restarted = new CountDownLatch(1);
        CompletableFuture<Void> restart = transition("restart", false, restarted);
        CountDownLatch killed = new CountDownLatch(1);
        transition("kill", true, killed).get(10, TimeUnit.SECONDS);
        // the restart stays out for as long as the stop waits
        assertTrue(!restarted.await(200, TimeUnit.MILLISECONDS), order.toString());

        exited.countDown();
        stop.get(10, TimeUnit.SECONDS);
        restart.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("stop signal", "kill", "stop done", "restart"), order);
    }

    @Test
    void underAnOuterHoldTheStopKeepsTheLock() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        CompletableFuture<Void> restart = CompletableFuture.runAsync(() -> {
            try {
                locks.with("c", () -> locks.with("c", () -> locks.released("c", () -> {
                    waiting.countDown();
                    assertTrue(awaited(proceed));
                    order.add("restart's stop");
                    return null;
                })));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, threads);
        assertTrue(waiting.await(10, TimeUnit.SECONDS));
        CountDownLatch killed = new CountDownLatch(1);
        CompletableFuture<Void> kill = transition("kill", true, killed);
        assertTrue(!killed.await(200, TimeUnit.MILLISECONDS), "a restart is one hold: " + order);
        proceed.countDown();
        restart.get(10, TimeUnit.SECONDS);
        kill.get(10, TimeUnit.SECONDS);
        assertEquals(List.of("restart's stop", "kill"), order);
    }
}
