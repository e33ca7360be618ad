package dev.berth.errors;

/**
 * An engine failure a client can act on. The kind decides the HTTP status in exactly one place, the API
 * layer's table of errors; the message is what the user reads.
 */
public final class EngineException extends RuntimeException {

    public enum Kind { INVALID_ARGUMENT, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, NOT_MODIFIED, NOT_IMPLEMENTED, UNAVAILABLE, TOO_LARGE }

    private final Kind kind;

    public EngineException(Kind kind, String message) {
        this(kind, message, null);
    }

    public EngineException(Kind kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static EngineException invalid(String message) {
        return new EngineException(Kind.INVALID_ARGUMENT, message);
    }

    /** Credentials a registry refused (docker login). */
    public static EngineException unauthorized(String message) {
        return new EngineException(Kind.UNAUTHORIZED, message);
    }

    /** What is never allowed, whatever the state: removing a predefined network, a pool that overlaps another. */
    public static EngineException forbidden(String message) {
        return new EngineException(Kind.FORBIDDEN, message);
    }

    public static EngineException notFound(String message) {
        return new EngineException(Kind.NOT_FOUND, message);
    }

    public static EngineException conflict(String message) {
        return new EngineException(Kind.CONFLICT, message);
    }

    public static EngineException notImplemented(String message) {
        return new EngineException(Kind.NOT_IMPLEMENTED, message);
    }
}
