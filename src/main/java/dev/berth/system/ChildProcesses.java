package dev.berth.system;

/** Every process the daemon starts comes from here, so none inherits what is the daemon's alone. */
public final class ChildProcesses {

    private ChildProcesses() {}

    public static ProcessBuilder builder(String... command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        // Socket activation variables name fds of the daemon's, not the child's (as podman clears them).
        pb.environment().keySet().removeIf(k -> k.startsWith("LISTEN_") || k.startsWith("NOTIFY_SOCKET"));
        return pb;
    }
}
