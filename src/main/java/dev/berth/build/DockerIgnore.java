package dev.berth.build;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code .dockerignore}: Go's {@code filepath.Match} patterns with {@code **} for any number of directories,
 * {@code !} exceptions, the last matching pattern deciding; a pattern that matches a directory excludes what
 * is under it.
 */
public final class DockerIgnore {

    private record Rule(Pattern pattern, boolean exception) {}

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
                rules.add(new Rule(Pattern.compile(regex(p)), exception));
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

    private static boolean matches(Pattern pattern, String path) {
        if (pattern.matcher(path).matches()) {
            return true;
        }
        for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
            if (pattern.matcher(path.substring(0, i)).matches()) {
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

    static String regex(String glob) {
        StringBuilder r = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                i++;
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
                    i++;
                    r.append("(?:.*/)?");      // **/ : any number of directories, none too
                } else {
                    r.append(".*");
                }
            } else if (c == '*') {
                r.append("[^/]*");
            } else if (c == '?') {
                r.append("[^/]");
            } else if (c == '[') {
                int end = glob.indexOf(']', i + 1);
                if (end < 0) {
                    r.append("\\[");
                } else {
                    String set = glob.substring(i + 1, end);
                    if (set.startsWith("^") || set.startsWith("!")) {
                        set = "^" + set.substring(1);    // Go writes a negated class [^...]
                    }
                    r.append('[').append(set.replace("[", "\\[")).append(']');
                    i = end;
                }
            } else if (c == '\\' && i + 1 < glob.length()) {
                r.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
            } else {
                r.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return r.toString();
    }
}
