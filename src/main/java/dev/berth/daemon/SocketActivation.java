package dev.berth.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The listening sockets systemd passed (LISTEN_PID, LISTEN_FDS; fds from 3), as sd_listen_fds(3) reads them. */
final class SocketActivation {

    static final int FIRST_FD = 3;

    private SocketActivation() {}

    static List<Integer> listenFds(Map<String, String> env, long pid) {
        String listenPid = env.get("LISTEN_PID");
        String listenFds = env.get("LISTEN_FDS");
        if (listenPid == null || listenFds == null) {
            throw new ConfigException("fd:// needs socket activation, but LISTEN_PID/LISTEN_FDS are not set"
                    + " (start berthd from berth.socket or systemd-socket-activate)");
        }
        long forPid;
        int count;
        try {
            forPid = Long.parseLong(listenPid.trim());
            count = Integer.parseInt(listenFds.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("malformed LISTEN_PID/LISTEN_FDS: " + listenPid + "/" + listenFds);
        }
        if (forPid != pid) {
            throw new ConfigException("LISTEN_PID is " + forPid + ", not this process (" + pid + "): the sockets are not ours");
        }
        if (count < 1) {
            throw new ConfigException("fd:// given, but systemd passed no sockets (LISTEN_FDS=" + count + ")");
        }
        List<Integer> fds = new ArrayList<>();
        for (int fd = FIRST_FD; fd < FIRST_FD + count; fd++) {
            if (!isUnixSocket(fd)) {
                throw new ConfigException("fd " + fd + " passed by systemd is not a unix stream socket;"
                        + " Berth takes only ListenStream=/path sockets through fd://");
            }
            fds.add(fd);
        }
        return fds;
    }

    /** /proc/self/fd/N names socket:[INODE]; a unix socket's inode is listed in /proc/net/unix. */
    private static boolean isUnixSocket(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            if (!target.startsWith("socket:[")) {
                return false;
            }
            String inode = target.substring("socket:[".length(), target.length() - 1);
            try (Stream<String> lines = Files.lines(Path.of("/proc/net/unix"))) {
                // Num RefCount Protocol Flags Type St Inode Path
                return lines.skip(1).map(l -> l.trim().split("\\s+")).anyMatch(f -> f.length > 6 && f[6].equals(inode));
            }
        } catch (IOException e) {
            return false;
        }
    }
}
