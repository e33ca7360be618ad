package dev.berth.container;

import dev.berth.errors.EngineException;

import java.util.Locale;
import java.util.Map;

/** Signal names and numbers (x86_64 Linux), as docker kill and StopSignal take them. */
public final class Signals {

    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5),
            Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8), Map.entry("KILL", 9),
            Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14),
            Map.entry("TERM", 15), Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19),
            Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23), Map.entry("XCPU", 24),
            Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27), Map.entry("WINCH", 28), Map.entry("IO", 29),
            Map.entry("PWR", 30), Map.entry("SYS", 31));

    private Signals() {}

    /** {@code SIGTERM}, {@code TERM}, {@code term} or {@code 15}. */
    public static int parse(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        if (t.matches("\\d{1,2}")) {
            int n = Integer.parseInt(t);
            if (n >= 1 && n <= 64) {
                return n;
            }
        }
        if (t.startsWith("SIG")) {
            t = t.substring(3);
        }
        if (t.matches("RTMIN\\+\\d+")) {
            return 34 + Integer.parseInt(t.substring(6));
        }
        Integer n = NUMBERS.get(t);
        if (n == null) {
            throw EngineException.invalid("Invalid signal: " + text);
        }
        return n;
    }
}
