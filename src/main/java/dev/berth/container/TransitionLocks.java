package dev.berth.container;

import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per container for its lifecycle transitions (start, stop, kill, restart, remove, pause, the
 * cleanup after an exit, a restart by policy): they run one at a time, so a restart cannot meet the
 * cleanup of the process it replaces, and a removal cannot meet a start. Reentrant: a restart is a stop
 * and a start under one hold. Queries take no such lock.
 */
final class TransitionLocks {

    @FunctionalInterface
    interface Work<T> {
        T run() throws IOException;
    }

    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    <T> T with(String id, Work<T> work) throws IOException {
        ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
        lock.lock();
        try {
            return work.run();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code work} without this thread's hold on the container's lock, so that other transitions can
     * run meanwhile; under an outer hold (a restart's stop) the lock stays held.
     */
    <T> T released(String id, Work<T> work) throws IOException {
        ReentrantLock lock = locks.get(id);
        if (lock == null || lock.getHoldCount() != 1) {
            return work.run();
        }
        lock.unlock();
        try {
            return work.run();
        } finally {
            lock.lock();
        }
    }

    /** The container is gone: a transition still waiting finds it removed. */
    void forget(String id) {
        locks.remove(id);
    }
}
