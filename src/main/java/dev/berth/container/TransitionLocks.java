package dev.berth.container;

import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per container for its lifecycle transitions (start, stop, kill, restart, remove, pause, the
 * cleanup after an exit, a restart by policy): they run one at a time, so a restart cannot meet the
 * cleanup of the process it replaces, and a removal cannot meet a start. Reentrant: a restart is a stop
 * and a start under one hold. Queries take no such lock.
 *
 * <p>A stop lets go of the lock while it waits for the exit, but only for what can end that wait (a kill,
 * a forced remove, the exit's own settlement): any other transition waits for the whole stop, so a second
 * stop or a restart never sends its signal into the middle of the first.
 */
final class TransitionLocks {

    @FunctionalInterface
    interface Work<T> {
        T run() throws IOException;
    }

    private static final class Gate {
        final ReentrantLock lock = new ReentrantLock();
        final Condition stopEnded = lock.newCondition();
        boolean stopWaiting;
    }

    private final ConcurrentHashMap<String, Gate> gates = new ConcurrentHashMap<>();

    /** A transition: after any stop that is waiting for the exit has ended. */
    <T> T with(String id, Work<T> work) throws IOException {
        return hold(id, true, work);
    }

    /** A transition that may end a stop's wait (kill, forced remove, exit settlement): it runs during that wait. */
    <T> T interrupting(String id, Work<T> work) throws IOException {
        return hold(id, false, work);
    }

    private <T> T hold(String id, boolean afterStop, Work<T> work) throws IOException {
        Gate gate = gates.computeIfAbsent(id, k -> new Gate());
        gate.lock.lock();
        try {
            // a thread already holding the lock (a restart's stop and start) is the transition itself
            while (afterStop && gate.stopWaiting && gate.lock.getHoldCount() == 1) {
                gate.stopEnded.awaitUninterruptibly();
            }
            return work.run();
        } finally {
            gate.lock.unlock();
        }
    }

    /**
     * A stop's wait for the exit: runs {@code work} without this thread's hold on the container's lock, so that
     * interrupting transitions can run meanwhile; under an outer hold (a restart's stop) the lock stays held.
     */
    <T> T released(String id, Work<T> work) throws IOException {
        Gate gate = gates.get(id);
        if (gate == null || gate.lock.getHoldCount() != 1) {
            return work.run();
        }
        gate.stopWaiting = true;
        gate.lock.unlock();
        try {
            return work.run();
        } finally {
            gate.lock.lock();
            gate.stopWaiting = false;
            gate.stopEnded.signalAll();
        }
    }

    /** The container is gone: a transition still waiting finds it removed. */
    void forget(String id) {
        gates.remove(id);
    }
}
