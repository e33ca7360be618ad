package dev.berth.network;

import java.util.List;

/**
 * A running container's network: the namespace Berth made for it, its interfaces and its published
 * ports. Kept in the runroot, so it outlives a daemon restart but not a host reboot (which takes the
 * namespace, interfaces and rules with it).
 *
 * @param dns the container's own resolvers, where its network's DNS server forwards its queries
 */
public record Sandbox(String containerId, String netns, List<Attachment> attachments, List<PublishedPort> ports, List<String> dns) {

    Sandbox with(List<Attachment> a, List<PublishedPort> p) {
        return new Sandbox(containerId, netns, List.copyOf(a), List.copyOf(p), dns);
    }
}
