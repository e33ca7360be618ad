package dev.berth.system;

import dev.berth.host.HostFacts;

import java.util.List;

/** What /version reports: this build, the host, and the helpers containers run under. */
public record VersionReport(BuildInfo build, HostFacts host, String javaVersion, List<ToolVersion> components) {}
