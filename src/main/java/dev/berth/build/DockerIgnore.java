package dev.berth.build;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code .dockerignore}: Go's {@code filepath.Match} patterns ({@link Glob}) with {@code **} for any number of directories,
 * {@code !} exceptions, the last matching pattern deciding; a pattern that matches a directory excludes what
 * is under it.
 */
public final class DockerIgnore {

    private record Rule(Glob pattern, boolean exception) {}

    private final List<Rule> rules = new ArrayList<>();

    public DockerIgnore(String text) {
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            boolean exception = l.startsWith("!");
            String p = clean(exception ? l.substring(1).strip() : l);
            if (!p.isEmpty()) {
                rules.add(new Rule(Glob.compile(p), exception));
            }
        }
    }

    public static final DockerIgnore NONE = new DockerIgnore("");

    /** Whether the context path {@code path} (relative, '/'-separated) is left out. */
    public boolean excluded(String path) {
        String p = clean(path);
        boolean out = false;
        for (Rule r : rules) {
            if (matches(r.pattern(), p)) {
                out = !r.exception();
            }
        }
        return out;
    }

    private static boolean matches(Glob pattern, String path) {
        if (pattern.matches(path)) {
            return true;
        }
        for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
            if (pattern.matches(path.substring(0, i))) {
                return true;     // a parent directory matched
            }
        }
        return false;
    }

    private static String clean(String p) {
        List<String> parts = new ArrayList<>();
        for (String s : p.replace('\\', '/').split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.removeLast();
                }
                continue;
            }
            parts.add(s);
        }
        return String.join("/", parts);
    }
}
