package dev.berth.network;

import java.util.List;

/**
 * A running container's network: the namespace Berth made for it, its interfaces and its published
 * ports. Kept with the daemon's state, so that what it made is undone after a daemon restart, even one
 * that lost its runroot; a host reboot (another boot id) took the namespace, interfaces and rules with it.
 *
 * @param dns    the container's own resolvers, where its network's DNS server forwards its queries
 * @param bootId the kernel's boot id when it was made
 */
public record Sandbox(String containerId, String netns, List<Attachment> attachments, List<PublishedPort> ports, List<String> dns,
                      String bootId) {

    Sandbox with(List<Attachment> a, List<PublishedPort> p) {
        return new Sandbox(containerId, netns, List.copyOf(a), List.copyOf(p), dns, bootId);
    }
}
