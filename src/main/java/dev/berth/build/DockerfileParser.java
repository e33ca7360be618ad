package dev.berth.build;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.errors.EngineException;
import dev.berth.host.EngineJson;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses a Dockerfile: the {@code escape} directive, comments, line continuations (with comment and
 * empty lines inside them skipped, as Docker does), {@code --flags} and the JSON (exec) form.
 */
public final class DockerfileParser {

    static final Set<String> KEYWORDS = Set.of("FROM", "RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "ENV", "ARG", "WORKDIR",
            "USER", "EXPOSE", "LABEL", "VOLUME", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "ONBUILD", "MAINTAINER");
    private static final Set<String> JSON_FORMS = Set.of("RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME");

    private DockerfileParser() {}

    public static List<Instruction> parse(String text) {
        String[] lines = text.replace("\r\n", "\n").split("\n", -1);
        char escape = '\\';
        int i = 0;
        // parser directives: only at the very top, before any other line
        for (; i < lines.length; i++) {
            String l = lines[i].strip();
            var m = java.util.regex.Pattern.compile("#\\s*(\\w+)\\s*=\\s*(\\S+)\\s*").matcher(l);
            if (!m.matches()) {
                break;
            }
            if (m.group(1).equalsIgnoreCase("escape")) {
                if (!m.group(2).equals("\\") && !m.group(2).equals("`")) {
                    throw EngineException.invalid("invalid escape token '" + m.group(2) + "' does not match ` or \\");
                }
                escape = m.group(2).charAt(0);
            }
        }
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = null;
        int start = 0;
        for (; i < lines.length; i++) {
            String line = lines[i];
            String trimmed = line.strip();
            if (current == null && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (current != null && (trimmed.startsWith("#") || trimmed.isEmpty())) {
                continue;       // inside a continuation, as Docker skips them
            }
            String stripped = stripTrailing(line);
            boolean continues = stripped.endsWith(String.valueOf(escape)) && !stripped.endsWith(String.valueOf(escape) + escape);
            String content = continues ? stripped.substring(0, stripped.length() - 1) : stripped;
            if (current == null) {
                current = new StringBuilder();
                start = i + 1;
                content = content.stripLeading();
            }
            current.append(content);
            if (!continues) {
                out.add(instruction(current.toString(), start, escape));
                current = null;
            }
        }
        if (current != null) {
            out.add(instruction(current.toString(), start, escape));
        }
        if (out.isEmpty()) {
            throw EngineException.invalid("the Dockerfile (Dockerfile) cannot be empty");
        }
        return out;
    }

    private static String stripTrailing(String s) {
        int end = s.length();
        while (end > 0 && Character.isWhitespace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    static Instruction instruction(String text, int line, char escape) {
        String[] kv = text.strip().split("\\s+", 2);
        String keyword = kv[0].toUpperCase(java.util.Locale.ROOT);
        if (!KEYWORDS.contains(keyword)) {
            throw EngineException.invalid("dockerfile parse error on line " + line + ": unknown instruction: " + kv[0]);
        }
        String rest = kv.length > 1 ? kv[1].strip() : "";
        Map<String, String> flags = new LinkedHashMap<>();
        while (rest.startsWith("--")) {
            String[] f = rest.split("\\s+", 2);
            String flag = f[0].substring(2);
            int eq = flag.indexOf('=');
            flags.put(eq < 0 ? flag : flag.substring(0, eq), eq < 0 ? "true" : flag.substring(eq + 1));
            rest = f.length > 1 ? f[1].strip() : "";
        }
        List<String> json = null;
        if (JSON_FORMS.contains(keyword) && rest.startsWith("[")) {
            try {
                JsonNode node = EngineJson.MAPPER.readTree(rest);
                if (node.isArray()) {
                    List<String> items = new ArrayList<>();
                    boolean strings = true;
                    for (JsonNode n : node) {
                        strings &= n.isTextual();
                        items.add(n.asText());
                    }
                    json = strings ? List.copyOf(items) : null;
                }
            } catch (java.io.IOException notJson) {
                // shell form, as Docker falls back to it
            }
        }
        return new Instruction(keyword, flags, rest, json, line, text.strip());
    }
}
