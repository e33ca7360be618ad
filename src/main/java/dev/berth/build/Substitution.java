package dev.berth.build;

import dev.berth.errors.EngineException;

import java.util.Map;

/** Docker's variable substitution in instruction arguments: {@code $x}, {@code ${x}}, {@code ${x:-default}}, {@code ${x:+alt}}. */
public final class Substitution {

    private Substitution() {}

    public static String expand(String s, Map<String, String> vars, char escape) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == escape && i + 1 < s.length() && s.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
            } else if (c == '$' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                int end = s.indexOf('}', i + 2);
                if (end < 0) {
                    throw EngineException.invalid("missing '}' in " + s);
                }
                out.append(braced(s.substring(i + 2, end), vars));
                i = end + 1;
            } else if (c == '$' && i + 1 < s.length() && (Character.isLetter(s.charAt(i + 1)) || s.charAt(i + 1) == '_')) {
                int j = i + 1;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                out.append(vars.getOrDefault(s.substring(i + 1, j), ""));
                i = j;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String braced(String expr, Map<String, String> vars) {
        int op = expr.indexOf(':');
        if (op < 0) {
            return vars.getOrDefault(expr, "");
        }
        String name = expr.substring(0, op);
        String word = expr.length() > op + 2 ? expr.substring(op + 2) : "";
        String value = vars.get(name);
        return switch (expr.length() > op + 1 ? expr.charAt(op + 1) : ' ') {
            case '-' -> value == null || value.isEmpty() ? expand(word, vars, '\\') : value;
            case '+' -> value == null || value.isEmpty() ? "" : expand(word, vars, '\\');
            default -> throw EngineException.invalid("unsupported modifier in ${" + expr + "}");
        };
    }
}
