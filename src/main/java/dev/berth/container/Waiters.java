package dev.berth.container;

import dev.berth.errors.EngineException;
import dev.berth.runtime.AttachSocket;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Who waits for what of a container: its next exit, its removal, or its next start (an attach made
 * before the container runs). A waiter cancelled by its client (who hung up) leaves its list at once.
 */
final class Waiters {

    private final Map<String, List<CompletableFuture<Integer>>> exits = new LinkedHashMap<>();
    private final Map<String, List<CompletableFuture<Integer>>> removals = new LinkedHashMap<>();
    private final Map<String, List<CompletableFuture<AttachSocket>>> attaches = new LinkedHashMap<>();

    CompletableFuture<Integer> exit(String id) {
        return enlist(exits, id, new CompletableFuture<>());
    }

    CompletableFuture<Integer> removal(String id) {
        return enlist(removals, id, new CompletableFuture<>());
    }

    CompletableFuture<AttachSocket> start(String id) {
        return enlist(attaches, id, new CompletableFuture<>());
    }

    /** The attaches waiting for this start, taken off the list. */
    synchronized List<CompletableFuture<AttachSocket>> started(String id) {
        List<CompletableFuture<AttachSocket>> pending = attaches.remove(id);
        return pending == null ? List.of() : pending;
    }

    void exited(String id, int code) {
        List<CompletableFuture<Integer>> waiting;
        synchronized (this) {
            waiting = exits.remove(id);
        }
        if (waiting != null) {
            waiting.forEach(w -> w.complete(code));
        }
    }

    /** Everyone waiting on a removed container is answered: its exit code, or for attaches, that it is gone. */
    void removed(String id, int code) {
        List<CompletableFuture<Integer>> removalsOf;
        List<CompletableFuture<AttachSocket>> attachesOf;
        synchronized (this) {
            removalsOf = removals.remove(id);
            attachesOf = attaches.remove(id);
        }
        if (removalsOf != null) {
            removalsOf.forEach(w -> w.complete(code));
        }
        if (attachesOf != null) {
            attachesOf.forEach(a -> a.completeExceptionally(EngineException.notFound("container " + id + " was removed")));
        }
        exited(id, code);
    }

    private synchronized <T> CompletableFuture<T> enlist(Map<String, List<CompletableFuture<T>>> waiters, String id,
                                                         CompletableFuture<T> f) {
        waiters.computeIfAbsent(id, k -> new ArrayList<>()).add(f);
        f.whenComplete((v, e) -> {
            if (f.isCancelled()) {
                synchronized (this) {
                    List<CompletableFuture<T>> list = waiters.get(id);
                    if (list != null && list.remove(f) && list.isEmpty()) {
                        waiters.remove(id);
                    }
                }
            }
        });
        return f;
    }
}
