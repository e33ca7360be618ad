package dev.berth.build;

/** A build that failed: the message the client shows and the exit code it exits with (a RUN's own). */
public final class BuildFailure extends RuntimeException {

    private final int code;

    public BuildFailure(String message, int code) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
