package dev.berth.host;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The few libc calls the JDK has no API for (device nodes, extended attributes), through the FFM API. */
public final class Posix {

    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFLNK = 0120000;
    private static final int S_IFMT = 0170000;

    private static final int ENOENT = 2;
    static final int EINTR = 4;
    private static final int ENOTDIR = 20;
    private static final int ENODATA = 61;
    private static final int ENOTSUP = 95;
    private static final int MNT_DETACH = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    private static final long SYS_OPENAT2 = 437;     // x86_64 and aarch64 alike

    // Each group of calls is linked when first used (a class per group, initialised lazily by the JVM): linking
    // a downcall spins classes, and linking all of them at once cost ~100 ms of every daemon start.
    private static final class Nodes {
        static final MethodHandle MKNOD = downcall("mknod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    }

    private static final class Xattrs {
        static final MethodHandle LSETXATTR = downcall("lsetxattr",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
        static final MethodHandle LGETXATTR = downcall("lgetxattr",
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    }

    private static final class Stats {
        static final MethodHandle STATX = downcall("statx", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    }

    private static final class Times {
        static final MethodHandle UTIMENSAT = downcall("utimensat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    private static final class Mounts {
        static final MethodHandle MOUNT = downcall("mount",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
        static final MethodHandle UMOUNT2 = downcall("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Sockets {
        static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        static final MethodHandle CONNECT = downcall("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle SHUTDOWN = downcall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class Io {
        static final MethodHandle READ = downcall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle WRITE = downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle POLL = downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private static final class Openat2 {
        static final MethodHandle SYSCALL_OPENAT2 = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), ERRNO, Linker.Option.firstVariadicArg(1));
    }

    private static final class Pidfds {
        static final MethodHandle SYSCALL_1 = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(1));
        static final MethodHandle SYSCALL_4 = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(1));
    }

    private static final class Errors {
        static final MethodHandle STRERROR = LINKER.downcallHandle(
                LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private Posix() {}

    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no " + name)), fd, ERRNO);
    }

    /** mknod(2): {@code type} is {@link #S_IFCHR}, {@link #S_IFBLK} or {@link #S_IFIFO}. */
    public static void mknod(Path path, int type, int permissions, int major, int minor) throws IOException {
        long dev = makedev(major, minor);
        call((arena, state) -> {
            int rc = (int) Nodes.MKNOD.invokeExact(state, arena.allocateFrom(path.toString()), type | permissions, dev);
            check(rc, state, "mknod " + path);
            return null;
        });
    }

    /** lsetxattr(2): sets an extended attribute without following a symlink. */
    public static void lsetxattr(Path path, String name, byte[] value) throws IOException {
        call((arena, state) -> {
            MemorySegment v = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            int rc = (int) Xattrs.LSETXATTR.invokeExact(state, arena.allocateFrom(path.toString()), arena.allocateFrom(name), v,
                    (long) value.length, 0);
            check(rc, state, "setxattr " + name + " on " + path);
            return null;
        });
    }

    /** lgetxattr(2): the attribute's value, or null when the file does not have it (or is gone). */
    public static byte[] lgetxattr(Path path, String name) throws IOException {
        return call((arena, state) -> {
            MemorySegment buf = arena.allocate(4096);
            long n = (long) Xattrs.LGETXATTR.invokeExact(state, arena.allocateFrom(path.toString()), arena.allocateFrom(name), buf, 4096L);
            if (n < 0) {
                int errno = errno(state);
                if (errno == ENODATA || errno == ENOTSUP || errno == ENOENT) {
                    return null;    // ENOENT: gone meanwhile (a running container's file), so it has none
                }
                throw new IOException("getxattr " + name + " on " + path + ": " + strerror(errno));
            }
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        });
    }

    /**
     * Sets a file's modification time without opening it and without following a symlink in its last component
     * (utimensat with AT_SYMLINK_NOFOLLOW): the JDK opens the file for it, which blocks on a FIFO.
     */
    public static void setModifiedTime(Path path, java.nio.file.attribute.FileTime time) throws IOException {
        java.time.Instant t = time.toInstant();
        call((arena, state) -> {
            MemorySegment times = arena.allocate(32);
            times.set(JAVA_LONG, 0, 0L);
            times.set(JAVA_LONG, 8, (1L << 30) - 2);     // UTIME_OMIT: the access time stays
            times.set(JAVA_LONG, 16, t.getEpochSecond());
            times.set(JAVA_LONG, 24, (long) t.getNano());
            int rc = (int) Times.UTIMENSAT.invokeExact(state, -100 /* AT_FDCWD */, arena.allocateFrom(path.toString()), times,
                    0x100 /* AT_SYMLINK_NOFOLLOW */);
            check(rc, state, "set the time of " + path);
            return null;
        });
    }

    /**
     * chmod of what {@code path} names, never through a symlink in its last component (Linux has no lchmod): the
     * entry is opened O_PATH without following, and the mode set on that very inode; a symlink there is left as it is.
     */
    public static void chmodNoFollow(Path path, int mode) throws IOException {
        int fd = openPath(path);
        if (fd < 0) {
            throw new java.nio.file.NoSuchFileException(path.toString());
        }
        try {
            if ((fstat(fd).mode() & S_IFMT) != S_IFLNK) {
                Files.setAttribute(fdPath(fd), "unix:mode", mode);
            }
        } finally {
            close(fd);
        }
    }

    /** mount(2) of a filesystem with no flags and these options. */
    public static void mount(String source, Path target, String type, String options) throws IOException {
        call((arena, state) -> {
            int rc = (int) Mounts.MOUNT.invokeExact(state, arena.allocateFrom(source), arena.allocateFrom(target.toString()),
                    arena.allocateFrom(type), 0L, arena.allocateFrom(options));
            check(rc, state, "mount " + type + " on " + target);
            return null;
        });
    }

    /** umount2(2) with MNT_DETACH: gone from the tree at once, released when the last user lets go. */
    public static void unmount(Path target) throws IOException {
        call((arena, state) -> {
            int rc = (int) Mounts.UMOUNT2.invokeExact(state, arena.allocateFrom(target.toString()), MNT_DETACH);
            check(rc, state, "unmount " + target);
            return null;
        });
    }

    /** A connected AF_UNIX SOCK_SEQPACKET socket (conmon's attach socket), as a raw fd. */
    public static int connectSeqpacket(Path path) throws IOException {
        byte[] p = path.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (p.length >= 108) {
            throw new IOException("socket path too long for sun_path: " + path);
        }
        return call((arena, state) -> {
            int fd = (int) Sockets.SOCKET.invokeExact(state, 1 /* AF_UNIX */, 5 /* SOCK_SEQPACKET */ | 02000000 /* SOCK_CLOEXEC */, 0);
            check(fd < 0 ? -1 : 0, state, "socket");
            MemorySegment addr = arena.allocate(110);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) 1);
            MemorySegment.copy(p, 0, addr, ValueLayout.JAVA_BYTE, 2, p.length);
            int rc = (int) Sockets.CONNECT.invokeExact(state, fd, addr, 110);
            if (rc != 0) {
                int errno = errno(state);
                close(fd);
                throw new IOException("connect " + path + ": " + strerror(errno));
            }
            return fd;
        });
    }

    /** read(2) of up to {@code len} bytes into native memory; 0 at end of stream. Retries when interrupted by a signal. */
    public static int read(int fd, MemorySegment buf, long len) throws IOException {
        return call((arena, state) -> {
            while (true) {
                long n = (long) Io.READ.invokeExact(state, fd, buf, len);
                if (n >= 0 || errno(state) != EINTR) {
                    check(n < 0 ? -1 : 0, state, "read");
                    return (int) n;
                }
            }
        });
    }

    /** write(2) of {@code len} bytes of native memory as one packet (a SOCK_SEQPACKET write is all or nothing). */
    public static void write(int fd, MemorySegment buf, long len) throws IOException {
        call((arena, state) -> {
            while (true) {
                long n = (long) Io.WRITE.invokeExact(state, fd, buf, len);
                if (n >= 0 || errno(state) != EINTR) {
                    check(n < 0 ? -1 : 0, state, "write");
                    return null;
                }
            }
        });
    }

    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;

    /** shutdown(2): after {@link #SHUT_WR} the peer reads end of stream; {@link #SHUT_RD} wakes a blocked reader. */
    public static void shutdown(int fd, int how) throws IOException {
        call((arena, state) -> {
            check((int) Sockets.SHUTDOWN.invokeExact(state, fd, how), state, "shutdown");
            return null;
        });
    }

    /**
     * Writes one message to a FIFO without blocking: fails ("No such device or address") when nobody
     * reads it, where a plain open would wait forever.
     */
    public static void writeFifo(Path fifo, byte[] message) throws IOException {
        call((arena, state) -> {
            int fd = (int) Io.OPEN.invokeExact(state, arena.allocateFrom(fifo.toString()), 01 /* O_WRONLY */ | 04000 /* O_NONBLOCK */ | 02000000 /* O_CLOEXEC */);
            check(fd < 0 ? -1 : 0, state, "open " + fifo);
            try {
                MemorySegment b = arena.allocate(message.length);
                MemorySegment.copy(message, 0, b, ValueLayout.JAVA_BYTE, 0, message.length);
                long n = (long) Io.WRITE.invokeExact(state, fd, b, (long) message.length);
                check(n == message.length ? 0 : -1, state, "write " + fifo);
            } finally {
                close(fd);
            }
            return null;
        });
    }

    public static final int O_RDONLY = 0;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_PATH = 010000000;
    private static final int O_CLOEXEC = 02000000;

    /**
     * Opens what {@code path} names inside {@code root} with openat2(RESOLVE_IN_ROOT): the kernel resolves
     * every symlink and {@code ..} as if {@code root} were {@code /}, so nothing swapped in meanwhile leads
     * out. Answers the fd (close it), or -1 when there is no such file (or a component is not a directory).
     */
    public static int openInRoot(Path root, String path, int flags) throws IOException {
        return call((arena, state) -> {
            int dir = (int) Io.OPEN.invokeExact(state, arena.allocateFrom(root.toString()), O_PATH | O_DIRECTORY | O_CLOEXEC);
            check(dir < 0 ? -1 : 0, state, "open " + root);
            try {
                MemorySegment how = arena.allocate(24);
                // openat2 refuses O_PATH with any flag but O_CLOEXEC, O_DIRECTORY and O_NOFOLLOW
                how.set(JAVA_LONG, 0, (long) (flags | O_CLOEXEC | ((flags & O_PATH) != 0 ? 0 : 0400 /* O_NOCTTY */)));
                how.set(JAVA_LONG, 16, 0x10L | 0x02L /* RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS */);
                int fd = (int) (long) Openat2.SYSCALL_OPENAT2.invokeExact(state, SYS_OPENAT2, dir, arena.allocateFrom(path), how, 24L);
                if (fd < 0) {
                    int errno = errno(state);
                    if (errno == ENOENT || errno == ENOTDIR) {
                        return -1;
                    }
                    throw new IOException("open " + path + " in " + root + ": " + strerror(errno));
                }
                return fd;
            } finally {
                close(dir);
            }
        });
    }

    /** open(2) of a directory, never through a symlink in its last component; -1 when it is gone or not a directory (any more). */
    public static int openDirectory(Path path) throws IOException {
        return call((arena, state) -> {
            int fd = (int) Io.OPEN.invokeExact(state, arena.allocateFrom(path.toString()), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                int errno = errno(state);
                if (errno == ENOENT || errno == ENOTDIR || errno == 40 /* ELOOP: a symlink now */) {
                    return -1;
                }
                check(-1, state, "open " + path);
            }
            return fd;
        });
    }

    private static final long SYS_PIDFD_SEND_SIGNAL = 424;  // the same number on every architecture
    private static final long SYS_PIDFD_OPEN = 434;

    /**
     * pidfd_open(2): an fd that keeps naming this process, never another that takes its PID later; -1 when it is
     * already gone.
     */
    public static int pidfdOpen(long pid) throws IOException {
        return call((arena, state) -> {
            int fd = (int) (long) Pidfds.SYSCALL_1.invokeExact(state, SYS_PIDFD_OPEN, (int) pid, 0);
            if (fd < 0) {
                if (errno(state) == 3 /* ESRCH */) {
                    return -1;
                }
                check(-1, state, "pidfd_open " + pid);
            }
            return fd;
        });
    }

    /** pidfd_send_signal(2): false when the process has exited meanwhile (the signal went to no one). */
    public static boolean pidfdSignal(int pidfd, int signal) throws IOException {
        return call((arena, state) -> {
            long rc = (long) Pidfds.SYSCALL_4.invokeExact(state, SYS_PIDFD_SEND_SIGNAL, pidfd, signal, MemorySegment.NULL, 0);
            if (rc < 0) {
                if (errno(state) == 3 /* ESRCH */) {
                    return false;
                }
                check(-1, state, "pidfd_send_signal");
            }
            return true;
        });
    }

    /** The path through which this process reaches what an open fd refers to, and nothing else. */
    public static Path fdPath(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }

    /**
     * An O_PATH fd of what {@code path} names, its last component not followed (a symlink is the link itself):
     * nothing is opened for reading, so a device node or FIFO has no effect. -1 when it is gone.
     */
    public static int openPath(Path path) throws IOException {
        return call((arena, state) -> {
            int fd = (int) Io.OPEN.invokeExact(state, arena.allocateFrom(path.toString()), O_PATH | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                int errno = errno(state);
                if (errno == ENOENT || errno == ENOTDIR) {
                    return -1;
                }
                check(-1, state, "open " + path);
            }
            return fd;
        });
    }

    /**
     * fstat of an open fd, O_PATH ones too, a symlink's own included: statx(fd, "", AT_EMPTY_PATH), whose layout is the
     * same on every architecture. {@code dev} is encoded as glibc's dev_t, as the JDK's {@code unix:dev} is.
     */
    public static FileStat fstat(int fd) throws IOException {
        return call((arena, state) -> {
            MemorySegment buf = arena.allocate(256);
            int rc = (int) Stats.STATX.invokeExact(state, fd, arena.allocateFrom(""), 0x1000 /* AT_EMPTY_PATH */ | 0x100 /* AT_SYMLINK_NOFOLLOW */,
                    0x1 | 0x2 | 0x100 | 0x200 /* STATX_TYPE|MODE|INO|SIZE */, buf);
            check(rc, state, "statx");
            int mode = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT, 28));
            long dev = makedev(buf.get(JAVA_INT, 136), buf.get(JAVA_INT, 140));
            return new FileStat(mode, dev, buf.get(JAVA_LONG, 32), buf.get(JAVA_LONG, 40));
        });
    }

    /** What {@link #fstat} tells. */
    public record FileStat(int mode, long dev, long ino, long size) {
        public boolean regular() {
            return (mode & S_IFMT) == S_IFREG;
        }

        public boolean directory() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        /** "a FIFO", "a character device", ...: for messages. */
        public String kind() {
            return switch (mode & S_IFMT) {
                case S_IFREG -> "a regular file";
                case S_IFDIR -> "a directory";
                case S_IFIFO -> "a FIFO";
                case S_IFCHR -> "a character device";
                case S_IFBLK -> "a block device";
                case S_IFLNK -> "a symlink";
                default -> "a socket";
            };
        }
    }

    /**
     * A stream of the regular file an O_PATH fd refers to, opened again through that fd (so the very inode it
     * refers to, whatever its path names by now); refuses any other kind of file, which is never opened.
     */
    public static InputStream openRegular(int pathFd, String what) throws IOException {
        return openRegular(pathFd, fstat(pathFd), what);
    }

    /** {@link #openRegular(int, String)} for a caller that has the fd's {@link #fstat} already. */
    public static InputStream openRegular(int pathFd, FileStat st, String what) throws IOException {
        if (!st.regular()) {
            throw new NotRegularFile(what + " is " + st.kind() + ", not a regular file");
        }
        return Files.newInputStream(fdPath(pathFd));
    }

    /** A file that had to be a regular one is not. */
    public static final class NotRegularFile extends IOException {
        public NotRegularFile(String message) {
            super(message);
        }
    }

    /**
     * Reads a regular file of at most {@code maxBytes} that {@code path} names inside {@code root} (see
     * {@link #openInRoot}). Null when there is no such file, or it is a directory; a FIFO, device or socket is
     * refused without being opened (it could block the daemon, or be one of the host's devices).
     */
    public static byte[] readInRoot(Path root, String path, int maxBytes) throws IOException {
        int fd = openInRoot(root, path, O_PATH);
        if (fd < 0) {
            return null;
        }
        try {
            FileStat st = fstat(fd);
            if (st.directory()) {
                return null;
            }
            if (st.size() > maxBytes) {
                throw new IOException(path + " in the container is larger than " + maxBytes + " bytes");
            }
            try (InputStream in = openRegular(fd, st, path + " in the container")) {
                byte[] b = in.readNBytes(maxBytes + 1);
                if (b.length > maxBytes) {
                    throw new IOException(path + " in the container is larger than " + maxBytes + " bytes");
                }
                return b;
            }
        } finally {
            close(fd);
        }
    }

    /**
     * Whether the peer of a connected unix socket has closed it entirely (POLLHUP, without waiting): a
     * peer that only shut down its writing side (a half-close) leaves it readable, not hung up.
     */
    public static boolean hungUp(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment pollfd = arena.allocate(8);
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(ValueLayout.JAVA_SHORT, 4, (short) 0);
            int n = (int) Io.POLL.invokeExact(state, pollfd, 1L, 0);
            return n > 0 && (pollfd.get(ValueLayout.JAVA_SHORT, 6) & 0x10 /* POLLHUP */) != 0;
        } catch (Throwable t) {
            return false;
        }
    }

    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int ignored = (int) Io.CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** One libc call: an arena for its arguments and the errno it leaves; checked exceptions pass as they are. */
    @FunctionalInterface
    interface Call<T> {
        T run(Arena arena, MemorySegment state) throws Throwable;
    }

    static <T> T call(Call<T> c) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            return c.run(arena, arena.allocate(CALL_STATE));
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** glibc's makedev: the 64-bit dev_t encoding. */
    static long makedev(int major, int minor) {
        long ma = major & 0xffffffffL;
        long mi = minor & 0xffffffffL;
        return ((ma & 0x00000fffL) << 8) | ((ma & 0xfffff000L) << 32) | (mi & 0x000000ffL) | ((mi & 0xffffff00L) << 12);
    }

    private static void check(int rc, MemorySegment state, String what) throws IOException {
        if (rc != 0) {
            throw new IOException(what + ": " + strerror(errno(state)));
        }
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO_HANDLE.get(state, 0L);
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) Errors.STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
