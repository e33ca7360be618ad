package dev.berth.api.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.ApiVersion;
import dev.berth.errors.EngineException;

import java.util.ArrayList;
import java.util.List;

/**
 * What a create request means at the API version it was sent in, as moby's router reads it before the
 * daemon does: a field added in a later version is dropped for an older client (so what it reads back is
 * what it sent), a default it expects is filled in, and what needs a newer version than the request's is a
 * 400 that says which. Berth serves up to {@link ApiVersion#MAX}, so what came later than that is refused
 * for every request.
 */
final class CreateByVersion {

    private CreateByVersion() {}

    /** Adjusts {@code request} (a checked create body) in place for {@code version}. */
    static void apply(ObjectNode request, ApiVersion version) {
        ObjectNode hostConfig = request.path("HostConfig") instanceof ObjectNode h ? h : null;
        List<ObjectNode> mounts = hostConfig == null ? List.of() : objects(hostConfig.path("Mounts"));
        for (ObjectNode m : mounts) {
            String type = m.path("Type").asText("");
            ObjectNode bind = m.path("BindOptions") instanceof ObjectNode b ? b : null;
            if (type.equals("image")) {
                throw EngineException.invalid("Mount type \"Image\" needs API v1.48 or newer");
            }
            if (version.before(1, 40) && bind != null) {
                bind.remove("NonRecursive");
            }
            if (version.before(1, 42)) {
                // not checked before 1.42: options for another type of mount were ignored
                if (bind != null) {
                    bind.remove("CreateMountpoint");
                }
                if (!type.equals("volume")) {
                    m.remove("VolumeOptions");
                }
                if (!type.equals("tmpfs")) {
                    m.remove("TmpfsOptions");
                }
            } else {
                for (String[] options : new String[][] {{"VolumeOptions", "volume"}, {"BindOptions", "bind"}, {"TmpfsOptions", "tmpfs"}}) {
                    if (present(m, options[0]) && !type.equals(options[1])) {
                        throw EngineException.invalid(options[0] + " must not be specified on mount type \"" + type + "\"");
                    }
                }
            }
            if (version.before(1, 44) && bind != null && bind.path("ReadOnlyForceRecursive").asBoolean(false)) {
                throw EngineException.invalid("BindOptions.ReadOnlyForceRecursive needs API v1.44 or newer");
            }
            if (version.before(1, 45) && !m.path("VolumeOptions").path("Subpath").asText("").isEmpty()) {
                throw EngineException.invalid("VolumeOptions.Subpath needs API v1.45 or newer");
            }
        }
        if (version.before(1, 40) && (hostConfig == null || hostConfig.path("IpcMode").asText("").isEmpty())) {
            request.withObjectProperty("HostConfig").put("IpcMode", "shareable");      // what older clients expect
        }
        if (hostConfig != null && version.before(1, 42)) {
            hostConfig.remove("ConsoleSize");       // not applied on Linux before 1.42
        }
        if (hostConfig != null && version.before(1, 43)) {
            hostConfig.remove("Annotations");
        }
        if (version.before(1, 44)) {
            if (request.path("Healthcheck") instanceof ObjectNode check) {
                check.remove("StartInterval");
            }
            List<String> networks = new ArrayList<>();
            request.path("NetworkingConfig").path("EndpointsConfig").fieldNames().forEachRemaining(networks::add);
            if (networks.size() > 1) {
                throw EngineException.invalid("Container cannot be created with multiple network endpoints: " + String.join(", ", networks));
            }
        }
    }

    private static boolean present(JsonNode object, String field) {
        return object.has(field) && !object.get(field).isNull();
    }

    private static List<ObjectNode> objects(JsonNode array) {
        List<ObjectNode> out = new ArrayList<>();
        array.forEach(e -> {
            if (e instanceof ObjectNode o) {
                out.add(o);
            }
        });
        return out;
    }
}
