package dev.berth.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One stage as it is built: its name, its image so far (null: scratch, nothing yet), its args and shell. */
final class BuildStage {

    /** The shell of RUN, CMD and ENTRYPOINT in shell form, until SHELL changes it. */
    static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");

    final String name;
    String imageId;
    ObjectNode json;
    final Map<String, String> args = new LinkedHashMap<>();
    List<String> shell = DEFAULT_SHELL;

    BuildStage(String name) {
        this.name = name;
    }

    ObjectNode config() {
        return json.withObjectProperty("config");
    }

    /** The variables an instruction's arguments may name: the stage's args and its environment. */
    Map<String, String> vars() {
        Map<String, String> v = new LinkedHashMap<>(args);
        for (JsonNode e : config().path("Env")) {
            String[] kv = e.asText().split("=", 2);
            v.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        return v;
    }
}
