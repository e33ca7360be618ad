package dev.berth.api.container;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.api.Json;
import dev.berth.container.config.ContainerConfig;
import dev.berth.container.config.ContainerCreate;
import dev.berth.container.config.HostConfig;
import dev.berth.errors.EngineException;
import dev.berth.host.EngineJson;
import dev.berth.image.Platform;
import dev.berth.network.EndpointSettings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON types of the container create and update requests, checked as Go's decoder checks them in
 * dockerd (23.0 on): a field of the wrong type is the client's 400 naming it ({@code "Memory": "64m"} is
 * not read as "no limit"); null counts as not given; unknown fields are ignored.
 */
final class RequestShape {

    enum Kind { STRING, BOOL, INT, STRINGS, STRING_OR_STRINGS, STRING_MAP, OBJECT, ARRAY }

    private static final Map<String, Kind> CONFIG = Map.ofEntries(
            Map.entry("Hostname", Kind.STRING), Map.entry("Domainname", Kind.STRING), Map.entry("User", Kind.STRING),
            Map.entry("Image", Kind.STRING), Map.entry("WorkingDir", Kind.STRING), Map.entry("MacAddress", Kind.STRING),
            Map.entry("StopSignal", Kind.STRING), Map.entry("AttachStdin", Kind.BOOL), Map.entry("AttachStdout", Kind.BOOL),
            Map.entry("AttachStderr", Kind.BOOL), Map.entry("Tty", Kind.BOOL), Map.entry("OpenStdin", Kind.BOOL),
            Map.entry("StdinOnce", Kind.BOOL), Map.entry("NetworkDisabled", Kind.BOOL), Map.entry("ArgsEscaped", Kind.BOOL),
            Map.entry("StopTimeout", Kind.INT), Map.entry("Env", Kind.STRINGS), Map.entry("Shell", Kind.STRINGS),
            Map.entry("OnBuild", Kind.STRINGS), Map.entry("Cmd", Kind.STRING_OR_STRINGS), Map.entry("Entrypoint", Kind.STRING_OR_STRINGS),
            Map.entry("Labels", Kind.STRING_MAP), Map.entry("ExposedPorts", Kind.OBJECT), Map.entry("Volumes", Kind.OBJECT),
            Map.entry("Healthcheck", Kind.OBJECT), Map.entry("HostConfig", Kind.OBJECT), Map.entry("NetworkingConfig", Kind.OBJECT));

    private static final Map<String, Kind> HOST_CONFIG = Map.ofEntries(
            Map.entry("Memory", Kind.INT), Map.entry("MemorySwap", Kind.INT), Map.entry("MemoryReservation", Kind.INT),
            Map.entry("KernelMemory", Kind.INT), Map.entry("NanoCpus", Kind.INT), Map.entry("CpuShares", Kind.INT),
            Map.entry("CpuPeriod", Kind.INT), Map.entry("CpuQuota", Kind.INT), Map.entry("CpuRealtimePeriod", Kind.INT),
            Map.entry("CpuRealtimeRuntime", Kind.INT), Map.entry("BlkioWeight", Kind.INT), Map.entry("PidsLimit", Kind.INT),
            Map.entry("OomScoreAdj", Kind.INT), Map.entry("ShmSize", Kind.INT), Map.entry("MemorySwappiness", Kind.INT),
            Map.entry("CpuCount", Kind.INT), Map.entry("CpuPercent", Kind.INT), Map.entry("Privileged", Kind.BOOL),
            Map.entry("ReadonlyRootfs", Kind.BOOL), Map.entry("AutoRemove", Kind.BOOL), Map.entry("PublishAllPorts", Kind.BOOL),
            Map.entry("OomKillDisable", Kind.BOOL), Map.entry("Init", Kind.BOOL), Map.entry("NetworkMode", Kind.STRING),
            Map.entry("PidMode", Kind.STRING), Map.entry("IpcMode", Kind.STRING), Map.entry("UTSMode", Kind.STRING),
            Map.entry("UsernsMode", Kind.STRING), Map.entry("CgroupnsMode", Kind.STRING), Map.entry("Cgroup", Kind.STRING),
            Map.entry("CgroupParent", Kind.STRING), Map.entry("CpusetCpus", Kind.STRING), Map.entry("CpusetMems", Kind.STRING),
            Map.entry("Runtime", Kind.STRING), Map.entry("VolumeDriver", Kind.STRING), Map.entry("Binds", Kind.STRINGS),
            Map.entry("Links", Kind.STRINGS), Map.entry("CapAdd", Kind.STRINGS), Map.entry("CapDrop", Kind.STRINGS),
            Map.entry("Dns", Kind.STRINGS), Map.entry("DnsOptions", Kind.STRINGS), Map.entry("DnsSearch", Kind.STRINGS),
            Map.entry("ExtraHosts", Kind.STRINGS), Map.entry("GroupAdd", Kind.STRINGS), Map.entry("SecurityOpt", Kind.STRINGS),
            Map.entry("VolumesFrom", Kind.STRINGS), Map.entry("DeviceCgroupRules", Kind.STRINGS),
            Map.entry("MaskedPaths", Kind.STRINGS), Map.entry("ReadonlyPaths", Kind.STRINGS), Map.entry("Mounts", Kind.ARRAY),
            Map.entry("Devices", Kind.ARRAY), Map.entry("Ulimits", Kind.ARRAY), Map.entry("ConsoleSize", Kind.ARRAY),
            Map.entry("RestartPolicy", Kind.OBJECT), Map.entry("LogConfig", Kind.OBJECT), Map.entry("PortBindings", Kind.OBJECT),
            Map.entry("Tmpfs", Kind.STRING_MAP), Map.entry("Sysctls", Kind.STRING_MAP), Map.entry("StorageOpt", Kind.STRING_MAP));

    private static final Map<String, Kind> HEALTHCHECK = Map.of("Test", Kind.STRINGS, "Interval", Kind.INT, "Timeout", Kind.INT,
            "Retries", Kind.INT, "StartPeriod", Kind.INT, "StartInterval", Kind.INT);

    private static final Map<String, Kind> RESTART_POLICY = Map.of("Name", Kind.STRING, "MaximumRetryCount", Kind.INT);

    private static final Map<String, Kind> LOG_CONFIG = Map.of("Type", Kind.STRING, "Config", Kind.STRING_MAP);

    private RequestShape() {}

    /** A create request: the config, its HostConfig (and the legacy top-level HostConfig fields). */
    static void checkCreate(JsonNode body) {
        check(body, CONFIG, "");
        check(body, HOST_CONFIG, "");
        check(body.path("Healthcheck"), HEALTHCHECK, "Healthcheck.");
        checkHostConfig(body.path("HostConfig"), "HostConfig.");
    }

    /** What {@code docker update} may change: the cgroup limits and the restart policy. */
    private static final List<String> UPDATABLE = List.of("Memory", "MemorySwap", "MemoryReservation", "NanoCpus", "CpuShares",
            "CpuQuota", "CpuPeriod", "CpusetCpus", "CpusetMems", "PidsLimit", "BlkioWeight", "RestartPolicy");

    /**
     * An update request: HostConfig's resource fields and restart policy at the top; any other field it sets is a 400
     * (zero values are Go's "not given").
     */
    static void checkUpdate(JsonNode body) {
        checkHostConfig(body, "");
        for (var field : body.properties()) {
            if (EngineJson.isSet(field.getValue()) && !UPDATABLE.contains(field.getKey())) {
                throw EngineException.invalid(field.getKey() + " cannot be changed by an update (only " + String.join(", ", UPDATABLE) + ")");
            }
        }
    }

    /** A create request, checked, as the engine's record. */
    static ContainerCreate create(JsonNode body, String name, Platform platform) {
        Map<String, EndpointSettings> endpoints = new LinkedHashMap<>();
        for (var e : body.path("NetworkingConfig").path("EndpointsConfig").properties()) {
            endpoints.put(e.getKey(), e.getValue().isNull() ? EndpointSettings.none()
                    : Json.convert(e.getValue(), EndpointSettings.class, "NetworkingConfig.EndpointsConfig." + e.getKey()));
        }
        JsonNode hostConfig = body.path("HostConfig");
        return new ContainerCreate(name, Json.convert(body, ContainerConfig.class),
                hostConfig.isObject() ? Json.convert(hostConfig, HostConfig.class, "HostConfig") : HostConfig.empty(), endpoints, platform);
    }

    private static void checkHostConfig(JsonNode hc, String prefix) {
        check(hc, HOST_CONFIG, prefix);
        check(hc.path("RestartPolicy"), RESTART_POLICY, prefix + "RestartPolicy.");
        check(hc.path("LogConfig"), LOG_CONFIG, prefix + "LogConfig.");
    }

    private static void check(JsonNode object, Map<String, Kind> fields, String prefix) {
        if (!object.isObject()) {
            return;
        }
        for (var f : object.properties()) {
            Kind kind = fields.get(f.getKey());
            if (kind != null && !f.getValue().isNull() && !matches(f.getValue(), kind)) {
                throw EngineException.invalid("invalid JSON at " + prefix + f.getKey() + ": expected " + describe(kind)
                        + ", got " + f.getValue().getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " " + abbreviate(f.getValue()));
            }
        }
    }

    private static boolean matches(JsonNode v, Kind kind) {
        return switch (kind) {
            case STRING -> v.isTextual();
            case BOOL -> v.isBoolean();
            case INT -> v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()));
            case STRINGS -> v.isArray() && v.valueStream().allMatch(e -> e.isTextual());
            case STRING_OR_STRINGS -> v.isTextual() || matches(v, Kind.STRINGS);
            case STRING_MAP -> v.isObject() && v.valueStream().allMatch(e -> e.isTextual() || e.isNull());
            case OBJECT -> v.isObject();
            case ARRAY -> v.isArray();
        };
    }

    private static String describe(Kind kind) {
        return switch (kind) {
            case STRING -> "a string";
            case BOOL -> "true or false";
            case INT -> "a whole number";
            case STRINGS -> "a list of strings";
            case STRING_OR_STRINGS -> "a string or a list of strings";
            case STRING_MAP -> "an object of strings";
            case OBJECT -> "an object";
            case ARRAY -> "a list";
        };
    }

    private static String abbreviate(JsonNode v) {
        String s = v.toString();
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }
}
