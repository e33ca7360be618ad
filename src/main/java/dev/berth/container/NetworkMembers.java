package dev.berth.container;

import dev.berth.network.EndpointSettings;

import java.io.IOException;

/** Containers as members of networks, as the network routes join and show them. Blocking: call off the event loop. */
public interface NetworkMembers {

    /** {@code docker network connect}: the container joins the network now if it runs, else when it starts. */
    void connect(String containerRef, String networkRef, EndpointSettings endpointConfig) throws IOException;

    /** {@code docker network disconnect}. */
    void disconnect(String containerRef, String networkRef) throws IOException;

    /** A network member's name as network inspect shows it; empty once the container is gone. */
    String memberName(String containerId);
}
