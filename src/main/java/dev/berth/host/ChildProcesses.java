package dev.berth.host;

/** Every process the daemon starts comes from here, so none inherits what is the daemon's alone. */
public final class ChildProcesses {

    private ChildProcesses() {}

    public static ProcessBuilder builder(String... command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(ChildProcesses::daemonOnly);
        return pb;
    }

    /** The daemon's environment as its children get it (for {@link Spawn}). */
    public static java.util.Map<String, String> environment() {
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.keySet().removeIf(ChildProcesses::daemonOnly);
        return env;
    }

    /** Socket activation variables name fds of the daemon's, not the child's (as podman clears them). */
    private static boolean daemonOnly(String name) {
        return name.startsWith("LISTEN_") || name.startsWith("NOTIFY_SOCKET");
    }
}
