package dev.berth.build;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A path pattern as Go's {@code filepath.Match} reads it ({@code *}, {@code ?}, {@code [a-z]}, {@code [^...]},
 * {@code \} escapes), with {@code **} for any run of characters and {@code **&#47;} for any number of directories,
 * as {@code .dockerignore} and COPY sources use them. Matched by stepping every position of the pattern at once
 * over the path (a Thompson NFA): time is the path's length times the pattern's, whatever either holds, where a
 * backtracking regex takes exponential time on patterns such as 25 {@code **&#47;} in a row.
 */
final class Glob {

    private enum Kind { LITERAL, ONE, CLASS, STAR, ANY, DIRS }

    /**
     * One step of the pattern. {@code **&#47;} is three: DIRS, which takes no character and leads either past the
     * whole group (no directory) or into the ANY and the LITERAL '/' that follow it.
     */
    private record Token(Kind kind, char literal, String set, boolean negated) {
        boolean takes(char c) {
            return switch (kind) {
                case LITERAL -> c == literal;
                case ONE, STAR -> c != '/';
                case ANY -> true;
                case DIRS -> false;
                case CLASS -> c != '/' && inSet(c) != negated;
            };
        }

        private boolean inSet(char c) {
            for (int i = 0; i < set.length(); i++) {
                char lo = set.charAt(i);
                if (i + 2 < set.length() && set.charAt(i + 1) == '-') {
                    if (c >= lo && c <= set.charAt(i + 2)) {
                        return true;
                    }
                    i += 2;
                } else if (c == lo) {
                    return true;
                }
            }
            return false;
        }
    }

    private static Token of(Kind kind) {
        return new Token(kind, '\0', "", false);
    }

    private static Token literal(char c) {
        return new Token(Kind.LITERAL, c, "", false);
    }

    private final List<Token> tokens;

    private Glob(List<Token> tokens) {
        this.tokens = tokens;
    }

    static Glob compile(String pattern) {
        List<Token> out = new ArrayList<>();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                i++;
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '/') {
                    i++;
                    out.add(of(Kind.DIRS));
                    out.add(of(Kind.ANY));
                    out.add(literal('/'));
                } else {
                    out.add(of(Kind.ANY));
                }
            } else if (c == '*') {
                out.add(of(Kind.STAR));
            } else if (c == '?') {
                out.add(of(Kind.ONE));
            } else if (c == '[' && classEnd(pattern, i) > 0) {
                int end = classEnd(pattern, i);
                String body = pattern.substring(i + 1, end);
                boolean negated = body.startsWith("^") || body.startsWith("!");
                out.add(new Token(Kind.CLASS, '\0', unescape(negated ? body.substring(1) : body), negated));
                i = end;
            } else if (c == '\\' && i + 1 < pattern.length()) {
                out.add(literal(pattern.charAt(++i)));
            } else {
                out.add(literal(c));
            }
        }
        return new Glob(List.copyOf(out));
    }

    /** Where a class that opens at {@code open} closes (a ']' not escaped, after at least one member), or -1. */
    private static int classEnd(String p, int open) {
        for (int i = open + 1; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == ']' && i > open + 1 && !(i == open + 2 && (p.charAt(open + 1) == '^' || p.charAt(open + 1) == '!'))) {
                return i;
            }
        }
        return -1;
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c == '\\' && i + 1 < s.length() ? s.charAt(++i) : c);
        }
        return b.toString();
    }

    /** Whether the whole of {@code path} matches. */
    boolean matches(String path) {
        int n = tokens.size();
        BitSet states = closure(single(0));
        for (int k = 0; k < path.length() && !states.isEmpty(); k++) {
            char c = path.charAt(k);
            BitSet next = new BitSet(n + 1);
            for (int i = states.nextSetBit(0); i >= 0 && i < n; i = states.nextSetBit(i + 1)) {
                Token t = tokens.get(i);
                if (t.takes(c)) {
                    next.set(t.kind() == Kind.STAR || t.kind() == Kind.ANY ? i : i + 1);
                }
            }
            states = closure(next);
        }
        return states.get(n);
    }

    private static BitSet single(int i) {
        BitSet b = new BitSet();
        b.set(i);
        return b;
    }

    /** The states reachable without a character: past a STAR or ANY (none of it); from a DIRS, into it or past it. */
    private BitSet closure(BitSet states) {
        BitSet out = (BitSet) states.clone();
        for (int i = out.nextSetBit(0); i >= 0 && i < tokens.size(); i = out.nextSetBit(i + 1)) {
            switch (tokens.get(i).kind()) {
                case STAR, ANY -> out.set(i + 1);
                case DIRS -> {
                    out.set(i + 1);
                    out.set(i + 3);
                }
                default -> { }
            }
        }
        return out;
    }
}
