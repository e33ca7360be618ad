package dev.berth.daemon;

/** Bad flags or config file: the daemon prints the message and exits 1. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
