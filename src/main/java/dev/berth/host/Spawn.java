package dev.berth.host;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Starts a program straight from the daemon with glibc's {@code posix_spawn} (one clone and one exec), handing it
 * given descriptors as fds 3, 4, ... : what {@link ProcessBuilder} cannot do without a helper process
 * (jspawnhelper) and a shell to wire the fds, three execs for every monitor started. The child is not the
 * JDK's: whoever spawns it reaps it ({@link #reap}).
 */
public final class Spawn {

    private static final int O_CLOEXEC = 02000000;
    private static final int O_WRONLY = 01;
    private static final int O_CREAT = 0100;
    private static final int O_TRUNC = 01000;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int WNOHANG = 1;
    private static final int ECHILD = 10;
    /** glibc's posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 on 64-bit Linux; room to spare. */
    private static final long ACTIONS_SIZE = 256;
    private static final long ATTR_SIZE = 1024;
    /** sigset_t: 1024 bits. */
    private static final long SIGSET_SIZE = 128;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle PIPE2 = libc("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), true);
    private static final MethodHandle ACTIONS_INIT = libc("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
    private static final MethodHandle ACTIONS_DESTROY = libc("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
    private static final MethodHandle ADD_DUP2 = libc("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), false);
    private static final MethodHandle ADD_OPEN = libc("posix_spawn_file_actions_addopen",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), false);
    private static final MethodHandle ADD_CLOSEFROM = libc("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), false);
    private static final MethodHandle ATTR_INIT = libc("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
    private static final MethodHandle ATTR_DESTROY = libc("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS), false);
    private static final MethodHandle ATTR_FLAGS = libc("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT), false);
    private static final MethodHandle ATTR_SIGMASK = libc("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), false);
    private static final MethodHandle ATTR_SIGDEFAULT = libc("posix_spawnattr_setsigdefault",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), false);
    private static final MethodHandle POSIX_SPAWN = libc("posix_spawn",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS), false);
    private static final MethodHandle WAITPID = libc("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), true);

    private Spawn() {}

    private static MethodHandle libc(String name, FunctionDescriptor fd, boolean errno) {
        MemorySegment f = LINKER.defaultLookup().find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name));
        return errno ? LINKER.downcallHandle(f, fd, Linker.Option.captureCallState("errno")) : LINKER.downcallHandle(f, fd);
    }

    /** A pipe, both ends close-on-exec: {read end, write end}. */
    public static int[] pipe() throws IOException {
        return Posix.call((arena, state) -> {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            if ((int) PIPE2.invokeExact(state, fds, O_CLOEXEC) != 0) {
                throw new IOException("pipe2: " + Posix.strerror(Posix.errno(state)));
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        });
    }

    /**
     * Starts {@code argv} (argv[0] an absolute path) with exactly {@code env}, stdin from /dev/null, stdout and
     * stderr into {@code output} (truncated), each of {@code fds} as fd 3, 4, ... in order, every other
     * descriptor of the daemon's closed, all signals at their defaults and
     * none blocked. Returns its pid.
     */
    public static int spawn(List<String> argv, Map<String, String> env, List<Integer> fds, Path output) throws IOException {
        return Posix.call((arena, state) -> {
            MemorySegment actions = arena.allocate(ACTIONS_SIZE, 16);
            MemorySegment attr = arena.allocate(ATTR_SIZE, 16);
            ok((int) ACTIONS_INIT.invokeExact(actions), "posix_spawn_file_actions_init");
            try {
                ok((int) ATTR_INIT.invokeExact(attr), "posix_spawnattr_init");
                try {
                    ok((int) ADD_OPEN.invokeExact(actions, 0, arena.allocateFrom("/dev/null"), Posix.O_RDONLY, 0), "addopen");
                    ok((int) ADD_OPEN.invokeExact(actions, 1, arena.allocateFrom(output.toString()), O_WRONLY | O_CREAT | O_TRUNC, 0600), "addopen");
                    ok((int) ADD_DUP2.invokeExact(actions, 1, 2), "adddup2");
                    for (int i = 0; i < fds.size(); i++) {
                        // dup2 onto a new number clears close-on-exec; one already at a target number would keep it,
                        // or be overwritten before it is moved (the JVM's own files hold the low numbers)
                        if (fds.get(i) < 3 + fds.size()) {
                            throw new IllegalArgumentException("fd " + fds.get(i) + " is among the numbers it is moved to");
                        }
                        ok((int) ADD_DUP2.invokeExact(actions, (int) fds.get(i), 3 + i), "adddup2");
                    }
                    // the JDK opens many files without close-on-exec (its own spawns close all in the child): so do we
                    ok((int) ADD_CLOSEFROM.invokeExact(actions, 3 + fds.size()), "addclosefrom");
                    MemorySegment none = arena.allocate(SIGSET_SIZE);                    // sigemptyset
                    MemorySegment all = arena.allocate(SIGSET_SIZE).fill((byte) 0xff);  // sigfillset
                    ok((int) ATTR_SIGMASK.invokeExact(attr, none), "posix_spawnattr_setsigmask");
                    ok((int) ATTR_SIGDEFAULT.invokeExact(attr, all), "posix_spawnattr_setsigdefault");
                    ok((int) ATTR_FLAGS.invokeExact(attr, (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)), "posix_spawnattr_setflags");
                    MemorySegment pid = arena.allocate(JAVA_INT);
                    int rc = (int) POSIX_SPAWN.invokeExact(pid, arena.allocateFrom(argv.getFirst()), actions, attr,
                            strings(arena, argv), strings(arena, env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
                    if (rc != 0) {
                        throw new IOException("cannot start " + argv.getFirst() + ": " + Posix.strerror(rc));
                    }
                    return pid.get(JAVA_INT, 0);
                } finally {
                    int ignored = (int) ATTR_DESTROY.invokeExact(attr);
                }
            } finally {
                int ignored = (int) ACTIONS_DESTROY.invokeExact(actions);
            }
        });
    }

    /** The child's exit status (its code, or 128 + the signal that ended it) once it has ended, without waiting. */
    public static OptionalInt reap(int pid) throws IOException {
        return Posix.call((arena, state) -> {
            MemorySegment status = arena.allocate(JAVA_INT);
            int rc;
            do {
                rc = (int) WAITPID.invokeExact(state, pid, status, WNOHANG);
            } while (rc < 0 && Posix.errno(state) == Posix.EINTR);
            if (rc < 0) {
                if (Posix.errno(state) == ECHILD) {
                    throw new IOException("process " + pid + " is not a child of the daemon's, or was reaped already");
                }
                throw new IOException("waitpid " + pid + ": " + Posix.strerror(Posix.errno(state)));
            }
            if (rc == 0) {
                return OptionalInt.empty();
            }
            int s = status.get(JAVA_INT, 0);
            return OptionalInt.of((s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f));
        });
    }

    /**
     * Waits for the child to end, polling (a native wait would hold a carrier thread): its exit status, or
     * empty if it still runs after {@code millis}.
     */
    public static OptionalInt await(int pid, long millis) throws IOException, InterruptedException {
        long until = System.nanoTime() + millis * 1_000_000;
        long pause = 1;
        while (true) {
            OptionalInt status = reap(pid);
            if (status.isPresent() || System.nanoTime() - until > 0) {
                return status;
            }
            Thread.sleep(pause);
            pause = Math.min(pause * 2, 20);
        }
    }

    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1);      // NULL-terminated
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(values.get(i)));
        }
        return array;
    }

    private static void ok(int rc, String what) throws IOException {
        if (rc != 0) {
            throw new IOException(what + ": " + Posix.strerror(rc));
        }
    }
}
