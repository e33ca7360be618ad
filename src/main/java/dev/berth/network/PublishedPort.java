package dev.berth.network;

/** A port as published: the container port, and the host address ("" for all) and port that were bound. */
public record PublishedPort(String protocol, int containerPort, String hostIp, int hostPort) {

    String hostKey() {
        return protocol + " " + (hostIp.isEmpty() ? "0.0.0.0" : hostIp) + ":" + hostPort;
    }
}
