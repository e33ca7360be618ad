package dev.berth.network;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** The networks as the API sees them ({@code docker network ...}). Blocking: call off the event loop. */
public interface Networks {

    List<Network> list();

    /** By name, id or id prefix; a 404 when none matches. */
    Network network(String ref);

    /** Makes a user network; a 409 for a name that is taken, a 400 for a bad subnet or option. */
    Network create(NetworkCreate request) throws IOException;

    /** The running containers on a network and their interfaces there, by container id. */
    Map<String, Attachment> endpoints(String networkId);

    /** Removes a user network; a 403 for a predefined one, a 409 while a container is on it. */
    void remove(String ref) throws IOException;

    /** Removes the user networks without running containers that {@code which} accepts; their names. */
    List<String> prune(Predicate<Network> which) throws IOException;
}
