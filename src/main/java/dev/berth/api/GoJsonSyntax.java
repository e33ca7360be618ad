package dev.berth.api;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * The syntax errors of a request body as dockerd reports them: its {@code ReadJSON} decodes one value with
 * Go's {@code encoding/json} and then refuses anything more, so clients (and users) see Go's scanner
 * messages ({@code invalid character 'b' looking for beginning of object key string}). This scans the
 * bytes as Go's scanner does, one state per byte; the types of the values are left to the real parser.
 */
final class GoJsonSyntax {

    private enum State {
        VALUE, KEY_OR_END, KEY, VALUE_OR_END, AFTER_VALUE, STRING, ESCAPE, HEX1, HEX2, HEX3, HEX4,
        NEG, DIGITS, ZERO, DOT, FRACTION, E, E_SIGN, EXPONENT, LITERAL
    }

    private enum Container { OBJECT_KEY, OBJECT_VALUE, ARRAY }

    private final Deque<Container> stack = new ArrayDeque<>();
    private State state = State.VALUE;
    private String literal;     // the rest of true, false or null still expected
    private String literalName;
    private boolean topDone;    // the top-level value is complete
    private boolean endedBefore;    // ... and the byte that completed a number is not part of it

    private GoJsonSyntax() {}

    /** dockerd's message for a body that is not one JSON value alone, or empty when it is one. */
    static Optional<String> check(byte[] body) {
        GoJsonSyntax s = new GoJsonSyntax();
        boolean started = false;
        for (int i = 0; i < body.length; i++) {
            int c = body[i] & 0xff;
            if (!started && isSpace(c)) {
                continue;
            }
            started = true;
            String error = s.step(c);
            if (error != null) {
                return Optional.of("invalid JSON: invalid character " + quote(c) + " " + error);
            }
            if (s.topDone) {
                // Decoder.More: further content is refused, unless it is a closing bracket (Go's quirk)
                for (int j = s.endedBefore ? i : i + 1; j < body.length; j++) {
                    int d = body[j] & 0xff;
                    if (!isSpace(d)) {
                        return d == ']' || d == '}' ? Optional.empty() : Optional.of("unexpected content after JSON");
                    }
                }
                return Optional.empty();
            }
        }
        if (!started) {
            return Optional.of("invalid JSON: got EOF while reading request body");
        }
        // a number at the top level ends with the input
        return s.stack.isEmpty() && (s.state == State.DIGITS || s.state == State.ZERO || s.state == State.FRACTION
                || s.state == State.EXPONENT) ? Optional.empty() : Optional.of("invalid JSON: unexpected EOF");
    }

    /** One byte; null, or Go's description of where it is wrong. */
    private String step(int c) {
        switch (state) {
            case VALUE, VALUE_OR_END -> {
                if (isSpace(c)) {
                    return null;
                }
                if (state == State.VALUE_OR_END && c == ']') {
                    stack.pop();
                    return endValue();
                }
                return beginValue(c);
            }
            case KEY_OR_END, KEY -> {
                if (isSpace(c)) {
                    return null;
                }
                if (state == State.KEY_OR_END && c == '}') {
                    stack.pop();
                    return endValue();
                }
                if (c != '"') {
                    return "looking for beginning of object key string";
                }
                state = State.STRING;
                return null;
            }
            case AFTER_VALUE -> {
                return afterValue(c);
            }
            case STRING -> {
                if (c == '"') {
                    return endValue();
                }
                if (c == '\\') {
                    state = State.ESCAPE;
                } else if (c < 0x20) {
                    return "in string literal";
                }
                return null;
            }
            case ESCAPE -> {
                if ("bfnrt\\/\"".indexOf(c) >= 0) {
                    state = State.STRING;
                } else if (c == 'u') {
                    state = State.HEX1;
                } else {
                    return "in string escape code";
                }
                return null;
            }
            case HEX1, HEX2, HEX3, HEX4 -> {
                if (Character.digit(c, 16) < 0) {
                    return "in \\u hexadecimal character escape";
                }
                state = switch (state) {
                    case HEX1 -> State.HEX2;
                    case HEX2 -> State.HEX3;
                    case HEX3 -> State.HEX4;
                    default -> State.STRING;
                };
                return null;
            }
            case NEG -> {
                if (c == '0') {
                    state = State.ZERO;
                } else if (c >= '1' && c <= '9') {
                    state = State.DIGITS;
                } else {
                    return "in numeric literal";
                }
                return null;
            }
            case DIGITS -> {
                return isDigit(c) ? null : afterInteger(c);
            }
            case ZERO -> {
                return afterInteger(c);
            }
            case DOT -> {
                if (!isDigit(c)) {
                    return "after decimal point in numeric literal";
                }
                state = State.FRACTION;
                return null;
            }
            case FRACTION -> {
                if (isDigit(c)) {
                    return null;
                }
                if (c == 'e' || c == 'E') {
                    state = State.E;
                    return null;
                }
                return afterNumber(c);
            }
            case E -> {
                if (c == '+' || c == '-') {
                    state = State.E_SIGN;
                    return null;
                }
                return exponentDigit(c);
            }
            case E_SIGN -> {
                return exponentDigit(c);
            }
            case EXPONENT -> {
                return isDigit(c) ? null : afterNumber(c);
            }
            case LITERAL -> {
                if (c != literal.charAt(0)) {
                    return "in literal " + literalName + " (expecting " + quote(literal.charAt(0)) + ")";
                }
                literal = literal.substring(1);
                return literal.isEmpty() ? endValue() : null;
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private String beginValue(int c) {
        switch (c) {
            case '{' -> {
                stack.push(Container.OBJECT_KEY);
                state = State.KEY_OR_END;
            }
            case '[' -> {
                stack.push(Container.ARRAY);
                state = State.VALUE_OR_END;
            }
            case '"' -> state = State.STRING;
            case '-' -> state = State.NEG;
            case '0' -> state = State.ZERO;
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> {
                if (c >= '1' && c <= '9') {
                    state = State.DIGITS;
                } else {
                    return "looking for beginning of value";
                }
            }
        }
        return null;
    }

    private void literal(String word) {
        literalName = word;
        literal = word.substring(1);
        state = State.LITERAL;
    }

    private String afterInteger(int c) {
        if (c == '.') {
            state = State.DOT;
            return null;
        }
        if (c == 'e' || c == 'E') {
            state = State.E;
            return null;
        }
        return afterNumber(c);
    }

    private String exponentDigit(int c) {
        if (!isDigit(c)) {
            return "in exponent of numeric literal";
        }
        state = State.EXPONENT;
        return null;
    }

    /** A number ends at the first byte that is not part of it, which is then read as what follows a value. */
    private String afterNumber(int c) {
        endValue();
        if (topDone) {
            endedBefore = true;
            return null;
        }
        return afterValue(c);
    }

    /** A value is complete; what may follow depends on where it is. Null: no error, for {@code return endValue()}. */
    private String endValue() {
        state = State.AFTER_VALUE;
        if (stack.isEmpty()) {
            topDone = true;
        }
        return null;
    }

    private String afterValue(int c) {
        if (isSpace(c)) {
            return null;
        }
        Container in = stack.peek();
        switch (in) {
            case OBJECT_KEY -> {
                if (c != ':') {
                    return "after object key";
                }
                stack.pop();
                stack.push(Container.OBJECT_VALUE);
                state = State.VALUE;
            }
            case OBJECT_VALUE -> {
                if (c == ',') {
                    stack.pop();
                    stack.push(Container.OBJECT_KEY);
                    state = State.KEY;
                } else if (c == '}') {
                    stack.pop();
                    return endValue();
                } else {
                    return "after object key:value pair";
                }
            }
            case ARRAY -> {
                if (c == ',') {
                    state = State.VALUE;
                } else if (c == ']') {
                    stack.pop();
                    return endValue();
                } else {
                    return "after array element";
                }
            }
        }
        return null;
    }

    private static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /** Go's quoteChar: the byte as a Go character literal. */
    private static String quote(int c) {
        return switch (c) {
            case '\'' -> "'\\''";
            case '"' -> "'\"'";
            case '\\' -> "'\\\\'";
            case '\n' -> "'\\n'";
            case '\r' -> "'\\r'";
            case '\t' -> "'\\t'";
            case '\b' -> "'\\b'";
            case '\f' -> "'\\f'";
            case 0x07 -> "'\\a'";
            case 0x0b -> "'\\v'";
            default -> c < 0x20 || c == 0x7f ? String.format("'\\x%02x'", c)
                    : c >= 0x80 && c < 0xa0 ? String.format("'\\u%04x'", c) : "'" + (char) c + "'";
        };
    }
}
