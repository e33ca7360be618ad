package dev.berth.container.config;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * A container's Config, as the create request gives it and inspect shows it (Docker's {@code ContainerConfig}):
 * what the container runs and how it is attached. Absent strings, lists and maps are empty, as Go's zero values;
 * {@code healthcheck} and {@code stopTimeout} are null when not given (the image's, or the default, apply).
 * Cmd, Entrypoint and Shell are lists (a plain string is read as a one-element list, as dockerd does); an
 * Entrypoint of {@code [""]} clears the image's.
 */
@DockerJson
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContainerConfig(
        String hostname,
        String domainname,
        String user,
        boolean attachStdin,
        boolean attachStdout,
        boolean attachStderr,
        Map<String, Object> exposedPorts,
        boolean tty,
        boolean openStdin,
        boolean stdinOnce,
        List<String> env,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> cmd,
        HealthConfig healthcheck,
        boolean argsEscaped,
        String image,
        Map<String, Object> volumes,
        String workingDir,
        @JsonInclude(JsonInclude.Include.ALWAYS) @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> entrypoint,
        boolean networkDisabled,
        String macAddress,
        List<String> onBuild,
        Map<String, String> labels,
        String stopSignal,
        Integer stopTimeout,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> shell) {

    public ContainerConfig {
        hostname = text(hostname);
        domainname = text(domainname);
        user = text(user);
        exposedPorts = map(exposedPorts);
        env = list(env);
        cmd = list(cmd);
        image = text(image);
        volumes = map(volumes);
        workingDir = text(workingDir);
        entrypoint = orNil(entrypoint);     // null when neither request nor image set one, as Go's nil shows
        macAddress = text(macAddress);
        onBuild = list(onBuild);
        labels = map(labels);
        stopSignal = text(stopSignal);
        shell = list(shell);
    }

    /** Nothing set: what a request of {@code {}} decodes to. */
    public static ContainerConfig empty() {
        return new ContainerConfig(null, null, null, false, false, false, null, false, false, false, null, null, null, false,
                null, null, null, null, false, null, null, null, null, null, null);
    }

    /**
     * A command run as it is, with its output attached: a build step's container (no entrypoint, so the
     * command is the whole argv).
     */
    public static ContainerConfig forCommand(String image, List<String> cmd, List<String> env, String workingDir, String user) {
        return new ContainerConfig(null, null, user, false, true, true, null, false, false, false, env, cmd, null, false,
                image, null, workingDir, List.of(""), false, null, null, null, null, null, null);
    }

    /**
     * Docker's HealthConfig: the test ({@code ["NONE"]}, {@code ["CMD", ...]}, {@code ["CMD-SHELL", "..."]}), its
     * times in nanoseconds, and the retries; zero is "not set" (the image's value, else the default).
     */
    @DockerJson
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)     // each field omitempty, as moby's: a client reads back what it sent
    public record HealthConfig(List<String> test, long interval, long timeout, long startPeriod, long startInterval, int retries) {
        public HealthConfig {
            test = list(test);
        }

        /** This check with what {@code over} sets on top (docker run --health-interval alone keeps the image's test). */
        public HealthConfig under(HealthConfig over) {
            return new HealthConfig(over.test.isEmpty() ? test : over.test, over.interval != 0 ? over.interval : interval,
                    over.timeout != 0 ? over.timeout : timeout, over.startPeriod != 0 ? over.startPeriod : startPeriod,
                    over.startInterval != 0 ? over.startInterval : startInterval, over.retries != 0 ? over.retries : retries);
        }
    }

    public ContainerConfig withImage(String name, String host, List<String> vars, List<String> command, List<String> entry,
                                     String dir, String asUser, String signal, Map<String, Object> ports, HealthConfig health,
                                     Map<String, String> allLabels) {
        return new ContainerConfig(host, domainname, asUser, attachStdin, attachStdout, attachStderr, ports, tty, openStdin,
                stdinOnce, vars, command, health, argsEscaped, name, volumes, dir, entry, networkDisabled, macAddress, onBuild,
                allLabels, signal, stopTimeout, shell);
    }

    public static String text(String s) {
        return s == null ? "" : s;
    }

    public static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(l));
    }

    /** A copy, or null for Go's nil slice: a field a client reads as {@code null} when it was never set. */
    public static <T> List<T> orNil(List<T> l) {
        return l == null ? null : list(l);
    }

    public static <K, V> Map<K, V> map(Map<K, V> m) {
        return m == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(m));
    }
}
