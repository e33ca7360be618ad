package dev.berth.api.system;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.api.ApiVersion;
import dev.berth.system.ToolVersion;
import dev.berth.system.VersionReport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /version}, in Docker's shape; GoVersion carries the Java runtime's version. */
record VersionResponse(
        Platform platform,
        List<Component> components,
        String version,
        String apiVersion,
        @JsonProperty("MinAPIVersion") String minApiVersion,
        String gitCommit,
        String goVersion,
        String os,
        String arch,
        String kernelVersion,
        boolean experimental,
        String buildTime) {

    record Platform(String name) {}

    record Component(String name, String version, Map<String, String> details) {}

    static VersionResponse of(VersionReport r) {
        String java = "java " + r.javaVersion();
        Map<String, String> engine = new LinkedHashMap<>();
        engine.put("ApiVersion", ApiVersion.MAX.toString());
        engine.put("Arch", r.host().goArch());
        engine.put("BuildTime", r.build().time());
        engine.put("Experimental", "false");
        engine.put("GitCommit", r.build().commit());
        engine.put("GoVersion", java);
        engine.put("KernelVersion", r.host().kernelVersion());
        engine.put("MinAPIVersion", ApiVersion.MIN.toString());
        engine.put("Os", "linux");
        List<Component> components = new ArrayList<>();
        components.add(new Component("Engine", r.build().version(), engine));
        for (ToolVersion t : r.components()) {
            components.add(new Component(t.name(), t.version(), Map.of("GitCommit", t.commit(), "Path", t.path().toString())));
        }
        return new VersionResponse(
                new Platform("Berth " + r.build().version()),
                components,
                r.build().version(),
                ApiVersion.MAX.toString(),
                ApiVersion.MIN.toString(),
                r.build().commit(),
                java,
                "linux",
                r.host().goArch(),
                r.host().kernelVersion(),
                false,
                r.build().time());
    }
}
