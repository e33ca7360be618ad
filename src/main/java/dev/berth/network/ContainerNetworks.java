package dev.berth.network;

import java.io.IOException;
import java.util.Collection;
import java.util.Optional;

/** What the container lifecycle needs of networking: a network namespace with its interfaces and ports while a container runs. */
public interface ContainerNetworks {

    /** The network a container names, by id, name or id prefix; 404 when there is none. */
    Network network(String ref);

    /** Makes the container's namespace, joins its networks and publishes its ports; on a failure nothing is left. */
    Sandbox up(SandboxRequest request) throws IOException;

    /** Undoes {@link #up}; nothing when the container has no sandbox. */
    void down(String containerId);

    Optional<Sandbox> sandbox(String containerId);

    /** Joins a running container's sandbox to one more network. */
    Attachment connect(String containerId, String containerName, String hostname, String networkName, EndpointRequest endpoint) throws IOException;

    /** Takes a running container off a network. */
    void disconnect(String containerId, String networkId) throws IOException;

    /**
     * At daemon start: the sandboxes of these containers live on (ports held again, names served); any other is
     * undone. Returns at once: the host is put right in the background, and the calls that change it wait for that.
     */
    void restore(Collection<String> running);
}
