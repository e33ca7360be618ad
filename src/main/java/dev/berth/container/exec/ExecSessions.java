package dev.berth.container.exec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.container.Container;
import dev.berth.container.ContainerEngine;
import dev.berth.container.spec.Capabilities;
import dev.berth.container.spec.ProcessRules;
import dev.berth.container.spec.OciSpecBuilder;
import dev.berth.errors.EngineException;
import dev.berth.host.EngineJson;
import dev.berth.host.Ids;
import dev.berth.runtime.AttachSocket;
import dev.berth.runtime.OciRuntime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Exec sessions ({@code docker exec}): each runs under a conmon of its own, with the container's process
 * settings (capabilities, rlimits) and the session's command, environment, user, working directory and
 * terminal. Sessions live in memory, as dockerd's do, and go with their container. Blocking: call off
 * the event loop.
 */
public final class ExecSessions implements Execs {

    private static final ObjectMapper JSON = EngineJson.MAPPER;
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ExecSessions.class.getName());

    private final ContainerEngine containers;
    private final OciRuntime runtime;
    private final Map<String, Session> sessions = new LinkedHashMap<>();
    /** The sessions' ends as the exit monitor reports them, by session. */
    private final Map<String, CompletableFuture<Void>> ends = new ConcurrentHashMap<>();

    public ExecSessions(ContainerEngine containers, OciRuntime runtime) {
        this.containers = containers;
        this.runtime = runtime;
        containers.events().listen((containerId, action) -> {
            if (action.equals("destroy")) {
                removeAll(containerId);
            }
        });
    }

    @Override
    public Session create(String containerRef, Config config) {
        Container c = containers.get(containerRef);
        if (!c.state().running()) {
            throw EngineException.conflict("container " + c.id() + " is not running");
        }
        if (c.state().paused()) {
            throw EngineException.conflict("Container " + c.id() + " is paused, unpause the container before exec");
        }
        if (config.cmd().isEmpty()) {
            throw EngineException.invalid("No exec command specified");
        }
        Session s = new Session(Ids.random(), c.id(), config, false, false, 0, null);
        List<String> forgotten;
        synchronized (this) {
            sessions.put(s.id(), s);
            forgotten = allOf(c.id()).stream().filter(id -> sessions.get(id).exitCode() != null).toList();
        }
        // ended sessions stay inspectable, but only the newest few: a container exec'd into in a loop
        // (a wait strategy, a health probe by hand) must not grow the daemon for its whole life
        forgotten.subList(0, Math.max(0, forgotten.size() - KEEP_ENDED)).forEach(this::discard);
        report(s, "exec_create: " + String.join(" ", config.cmd()), Map.of("execID", s.id()));
        return s;
    }

    /** How many ended sessions of one container stay inspectable. */
    static final int KEEP_ENDED = 64;

    @Override
    public Session get(String id) throws IOException {
        Session s;
        synchronized (this) {
            s = sessions.get(id);
        }
        if (s == null) {
            throw EngineException.notFound("No such exec instance: " + id);
        }
        if (s.running() && s.pid() > 0) {
            OptionalInt code = runtime.exitCode(runtime.execPaths(s.containerId(), id));
            if (code.isPresent()) {
                s = update(s.with(true, false, s.pid(), code.getAsInt()));
            } else if (!containerRunning(s.containerId())) {
                // the container ended, and its runtime state with it: its exec processes were killed
                s = update(s.with(true, false, s.pid(), 137));
            }
        }
        return s;
    }

    private boolean containerRunning(String containerId) {
        try {
            return containers.get(containerId).state().running();
        } catch (EngineException gone) {
            return false;
        }
    }

    @Override
    public List<String> idsOf(String containerId) throws IOException {
        List<String> ids = new ArrayList<>();
        for (String id : allOf(containerId)) {
            if (get(id).exitCode() == null) {
                ids.add(id);
            }
        }
        return ids;
    }

    private synchronized List<String> allOf(String containerId) {
        return sessions.values().stream().filter(s -> s.containerId().equals(containerId)).map(Session::id).toList();
    }

    @Override
    public AttachSocket start(String id, boolean attach) throws IOException {
        Session s;
        synchronized (this) {
            s = sessions.get(id);
            if (s == null) {
                throw EngineException.notFound("No such exec instance: " + id);
            }
            if (s.started()) {     // dockerd 20.10's words
                throw EngineException.conflict("Error: Exec command " + id + (s.exitCode() != null ? " has already run" : " is already running"));
            }
            s = s.with(true, true, 0, null);
            sessions.put(id, s);
        }
        Container c = containers.get(s.containerId());
        if (!c.state().running()) {
            update(s.with(true, false, 0, 126));
            throw EngineException.conflict("container " + c.id() + " is not running");
        }
        AttachSocket[] socket = new AttachSocket[1];
        Config cfg = s.config();
        try {
            long pid = runtime.exec(c.id(), id, process(c, cfg),
                    new OciRuntime.Stdio(cfg.tty(), cfg.attachStdin(), false),
                    attach ? path -> socket[0] = AttachSocket.connect(path) : null).pid();
            update(s.with(true, true, pid, null));
            report(s, "exec_start: " + String.join(" ", cfg.cmd()), Map.of("execID", id));
            containers.watchExec(runtime.execPaths(c.id(), id), () -> noticeExit(id));
            int[] size = pendingSizes.remove(id);
            if (size != null) {
                runtime.resize(runtime.execPaths(c.id(), id), size[0], size[1]);
            }
            return socket[0];
        } catch (IOException | RuntimeException e) {
            if (socket[0] != null) {
                socket[0].close();
            }
            // dockerd's exit codes for a command that cannot run: the CLI passes them on
            String m = String.valueOf(e.getMessage());
            update(s.with(true, false, 0, m.contains("permission denied") ? 126 : m.contains("no such file")
                    || m.contains("not found") ? 127 : 126));
            throw e;
        }
    }

    /** Records a session's exit (and reports exec_die) as it happens; a forgotten session is left alone. */
    private void noticeExit(String id) {
        try {
            get(id);
        } catch (IOException | RuntimeException gone) {
            LOG.fine("exec " + id + ": " + gone.getMessage());
        }
        CompletableFuture<Void> waiting = ends.get(id);     // none: nobody waits, and a forgotten session stays forgotten
        if (waiting != null) {
            waiting.complete(null);
        }
    }

    @Override
    public void awaitExit(String id) throws IOException {
        CompletableFuture<Void> end = ends.computeIfAbsent(id, k -> new CompletableFuture<>());
        if (!get(id).running()) {     // after the future is there: an end noticed from now on completes it
            return;
        }
        try {
            end.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.fine("exec " + id + " not seen to end: " + e);
        }
    }

    @Override
    public void resize(String id, int height, int width) throws IOException {
        Session s = get(id);
        if (!s.running()) {
            throw EngineException.conflict("Exec session " + id + " is not running");
        }
        if (s.pid() == 0) {
            // still starting (older CLIs resize right after the start, and send no ConsoleSize): applied once it runs
            pendingSizes.put(id, new int[] {height, width});
            if (get(id).pid() == 0 || pendingSizes.remove(id) == null) {
                return;
            }
        }
        runtime.resize(runtime.execPaths(s.containerId(), id), height, width);
    }

    /** Terminal sizes asked for while a session was starting, by session. */
    private final Map<String, int[]> pendingSizes = new ConcurrentHashMap<>();

    private Session update(Session s) {
        Session before;
        synchronized (this) {
            before = sessions.get(s.id());
            if (before != null) {
                sessions.put(s.id(), s);
            }
        }
        if (before != null && before.exitCode() == null && s.exitCode() != null) {
            report(s, "exec_die", Map.of("execID", s.id(), "exitCode", Integer.toString(s.exitCode())));
        }
        return s;
    }

    /** An exec event of the session's container; nothing when the container is gone meanwhile. */
    private void report(Session s, String action, Map<String, String> extra) {
        try {
            containers.events().report(s.containerId(), action, extra);
        } catch (EngineException gone) {
            // removed with its sessions
        }
    }

    /** Forgets an ended session and deletes its files (health probes, which nobody inspects). */
    public void discard(String id) {
        Session s;
        synchronized (this) {
            s = sessions.remove(id);
        }
        pendingSizes.remove(id);
        ends.remove(id);
        if (s != null) {
            try {
                runtime.forgetExec(s.containerId(), id);
            } catch (IOException e) {
                LOG.fine("exec files of " + id + ": " + e.getMessage());
            }
        }
    }

    /** The sessions' files went with the container's runtime state. */
    private synchronized void removeAll(String containerId) {
        for (String id : allOf(containerId)) {
            sessions.remove(id);
            ends.remove(id);
        }
    }

    /** The container's own process settings (capabilities, rlimits, ...) with the session's command, user and terminal. */
    private byte[] process(Container c, Config cfg) throws IOException {
        JsonNode spec = JSON.readTree(runtime.spec(c.id()));
        ObjectNode p = ((ObjectNode) spec.get("process")).deepCopy();
        Path rootfs = Path.of(spec.path("root").path("path").asText());
        int[] ug = ProcessRules.user(cfg.user().isEmpty() ? c.config().user() : cfg.user(), rootfs);
        ObjectNode user = p.putObject("user");
        user.put("uid", ug[0]).put("gid", ug[1]);
        user.putArray("additionalGids");
        ArrayNode args = p.putArray("args");
        cfg.cmd().forEach(args::add);
        List<String> containerEnv = new java.util.ArrayList<>();
        p.path("env").forEach(v -> containerEnv.add(v.asText()));
        ArrayNode env = p.putArray("env");
        ProcessRules.processEnv(ProcessRules.mergeEnv(containerEnv, cfg.env())).forEach(env::add);
        if (!cfg.workingDir().isEmpty()) {
            p.put("cwd", cfg.workingDir());
        }
        p.put("terminal", cfg.tty());
        p.remove("consoleSize");
        if (cfg.tty() && cfg.consoleSize() != null) {
            p.putObject("consoleSize").put("height", cfg.consoleSize()[0]).put("width", cfg.consoleSize()[1]);
        }
        if (cfg.privileged()) {
            OciSpecBuilder.capabilities(p, Capabilities.held());
        }
        return JSON.writeValueAsBytes(p);
    }
}
