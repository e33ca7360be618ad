package dev.berth.api;

import java.io.IOException;

/** The client hung up while a response was streaming: normal (docker logs -f ended by ctrl-c), logged at debug. */
public final class ClientGoneException extends IOException {

    public ClientGoneException(Throwable cause) {
        super("the client went away", cause);
    }
}
