package dev.berth.daemon;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One line per record on stderr (journald adds its own timestamp, but plain runs need one). */
final class Logging {

    /** Held so the level set on it is not lost to garbage collection of an unreferenced logger. */
    private static final Logger BERTH = Logger.getLogger("dev.berth");

    private Logging() {}

    static void configure(Level level) {
        LogManager.getLogManager().reset();
        Handler handler = new ConsoleHandler();
        handler.setLevel(level);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                StringBuilder sb = new StringBuilder()
                        .append(Instant.ofEpochMilli(r.getMillis())).append(' ')
                        .append(name(r.getLevel())).append(' ')
                        .append(shortName(r.getLoggerName())).append(": ")
                        .append(formatMessage(r)).append('\n');
                if (r.getThrown() != null) {
                    StringWriter sw = new StringWriter();
                    r.getThrown().printStackTrace(new PrintWriter(sw));
                    sb.append(sw);
                }
                return sb.toString();
            }
        });
        // Libraries (Netty, Vert.x, the JDK's own ProcessBuilder tracing) speak at INFO and up only:
        // their debug chatter drowns Berth's and is only useful when chasing their bugs.
        Logger root = Logger.getLogger("");
        root.setLevel(level.intValue() < Level.INFO.intValue() ? Level.INFO : level);
        root.addHandler(handler);
        BERTH.setLevel(level);
    }

    private static String name(Level l) {
        if (l.intValue() >= Level.SEVERE.intValue()) return "ERROR";
        if (l.intValue() >= Level.WARNING.intValue()) return "WARN";
        if (l.intValue() >= Level.INFO.intValue()) return "INFO";
        return "DEBUG";
    }

    private static String shortName(String logger) {
        if (logger == null) return "";
        int dot = logger.lastIndexOf('.');
        return dot < 0 ? logger : logger.substring(dot + 1);
    }
}
