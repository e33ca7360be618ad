package dev.berth.build;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.filters.FilterValues;
import dev.berth.host.EngineJson;
import dev.berth.image.ImageConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the instructions that change only the image's config do to a stage (ENV, LABEL, WORKDIR, USER, CMD,
 * ENTRYPOINT, SHELL, EXPOSE, VOLUME, STOPSIGNAL, MAINTAINER, ONBUILD, HEALTHCHECK), as dockerd's classic builder.
 */
final class ConfigInstructions {

    private static final ObjectMapper JSON = EngineJson.MAPPER;

    private ConfigInstructions() {}

    /** Applies one such instruction, its arguments expanded as its keyword wants ({@code args}); a BuildFailure for any other keyword. */
    static void apply(BuildStage s, Instruction i, String args) {
        ObjectNode c = s.config();
        switch (i.keyword()) {
            case "ENV", "LABEL" -> {
                for (String[] kv : pairs(args, i)) {
                    if (i.keyword().equals("ENV")) {
                        ImageConfig.setEnv(c, kv[0], kv[1]);
                    } else {
                        c.withObjectProperty("Labels").put(kv[0], kv[1]);
                    }
                }
            }
            case "WORKDIR" -> {
                String wd = args.startsWith("/") ? args : c.path("WorkingDir").asText("/") + "/" + args;
                c.put("WorkingDir", Path.of(wd).normalize().toString());
            }
            case "USER" -> c.put("User", args);
            case "CMD", "ENTRYPOINT" -> {
                ArrayNode a = c.putArray(i.keyword().equals("CMD") ? "Cmd" : "Entrypoint");
                command(s, i).forEach(a::add);
                if (i.keyword().equals("ENTRYPOINT") && !i.execForm() && c.has("Cmd")) {
                    c.remove("Cmd");        // a shell-form entrypoint takes no arguments, as with dockerd
                }
            }
            case "SHELL" -> {
                if (!i.execForm()) {
                    throw new BuildFailure("SHELL requires the arguments to be in JSON form (line " + i.line() + ")", 1);
                }
                s.shell = i.json();
                ArrayNode a = c.putArray("Shell");
                s.shell.forEach(a::add);
            }
            case "EXPOSE" -> {
                ObjectNode ports = c.withObjectProperty("ExposedPorts");
                for (String p : args.split("\\s+")) {
                    if (!p.matches("\\d{1,5}(-\\d{1,5})?(/(tcp|udp|sctp))?")) {
                        throw new BuildFailure("invalid containerPort: " + p, 1);
                    }
                    ports.putObject(p.contains("/") ? p : p + "/tcp");
                }
            }
            case "VOLUME" -> {
                ObjectNode vols = c.withObjectProperty("Volumes");
                for (String v : i.execForm() ? i.json() : List.of(args.split("\\s+"))) {
                    vols.putObject(Substitution.expand(v, s.vars(), '\\'));
                }
            }
            case "STOPSIGNAL" -> c.put("StopSignal", args);
            case "MAINTAINER" -> s.json.put("author", args);
            case "ONBUILD" -> {
                String trigger = args.strip();
                String kw = trigger.split("\\s+", 2)[0].toUpperCase(Locale.ROOT);
                if (kw.equals("ONBUILD") || kw.equals("FROM") || kw.equals("MAINTAINER")) {
                    throw new BuildFailure(kw + " isn't allowed as an ONBUILD trigger", 1);
                }
                c.withArrayProperty("OnBuild").add(trigger);
            }
            case "HEALTHCHECK" -> c.set("Healthcheck", healthcheck(i));
            default -> throw new BuildFailure("unknown instruction: " + i.keyword(), 1);
        }
    }

    /** CMD, ENTRYPOINT, RUN as argv: the exec form as it is, the shell form through the stage's shell. */
    static List<String> command(BuildStage s, Instruction i) {
        if (i.execForm()) {
            return i.json();
        }
        List<String> argv = new ArrayList<>(s.shell);
        argv.add(i.args());
        return argv;
    }

    private static ObjectNode healthcheck(Instruction i) {
        ObjectNode h = JSON.createObjectNode();
        String rest = i.args().strip();
        if (rest.equalsIgnoreCase("NONE")) {
            h.putArray("Test").add("NONE");
            return h;
        }
        for (var f : i.flags().entrySet()) {
            String field = switch (f.getKey()) {
                case "interval" -> "Interval";
                case "timeout" -> "Timeout";
                case "start-period" -> "StartPeriod";
                case "start-interval" -> "StartInterval";
                case "retries" -> "Retries";
                default -> throw new BuildFailure("unknown flag: --" + f.getKey() + " (HEALTHCHECK, line " + i.line() + ")", 1);
            };
            if (field.equals("Retries")) {
                h.put(field, Integer.parseInt(f.getValue()));
            } else {
                h.put(field, goDurationNanos(f.getValue()));
            }
        }
        String[] kv = rest.split("\\s+", 2);
        if (!kv[0].equalsIgnoreCase("CMD") || kv.length < 2) {
            throw new BuildFailure("HEALTHCHECK needs CMD or NONE (line " + i.line() + ")", 1);
        }
        Instruction cmd = DockerfileParser.instruction("CMD " + kv[1], i.line(), '\\');
        ArrayNode test = h.putArray("Test");
        if (cmd.execForm()) {
            test.add("CMD");
            cmd.json().forEach(test::add);
        } else {
            test.add("CMD-SHELL").add(cmd.args());
        }
        return h;
    }

    /** ENV and LABEL: {@code k=v k2="v 2"}, or the legacy {@code k v}. */
    static List<String[]> pairs(String args, Instruction i) {
        List<String[]> out = new ArrayList<>();
        if (!args.contains("=")) {
            String[] kv = args.split("\\s+", 2);
            if (kv.length < 2) {
                throw new BuildFailure(i.keyword() + " requires at least one argument in KEY=VALUE or KEY VALUE form (line " + i.line() + ")", 1);
            }
            out.add(new String[] {kv[0], kv[1]});
            return out;
        }
        var m = Pattern.compile("([^\\s=]+)=(\"((?:[^\"\\\\]|\\\\.)*)\"|'([^']*)'|((?:[^\\s\\\\]|\\\\.)*))").matcher(args);
        while (m.find()) {
            String v = m.group(3) != null ? m.group(3).replaceAll("\\\\(.)", "$1") : m.group(4) != null ? m.group(4)
                    : m.group(5).replaceAll("\\\\(.)", "$1");
            out.add(new String[] {m.group(1), v});
        }
        return out;
    }

    /** A Go duration ({@code 30s}, {@code 1m30s}, {@code 500ms}) in nanoseconds. */
    static long goDurationNanos(String v) {
        if (!FilterValues.isGoDuration(v)) {
            throw new BuildFailure("invalid duration: " + v, 1);
        }
        return FilterValues.goDuration(v).toNanos();
    }
}
