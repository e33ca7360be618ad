package dev.berth.container;

import dev.berth.container.config.ContainerConfig;
import dev.berth.container.spec.NetworkView;
import dev.berth.errors.EngineException;
import dev.berth.network.Attachment;
import dev.berth.network.ContainerNetworks;
import dev.berth.network.EndpointRequest;
import dev.berth.network.EndpointSettings;
import dev.berth.network.Network;
import dev.berth.network.Sandbox;
import dev.berth.network.SandboxRequest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Containers on networks: the network a starting container gets (its sandbox, or the host's, or another
 * container's), {@code docker network connect} and {@code disconnect}, and legacy links ({@code --link}):
 * their names, their {@code /etc/hosts} lines and variables, their removal.
 */
public final class ContainerNetworking implements NetworkMembers, LegacyLinks {

    private final ContainerIndex index;
    private final TransitionLocks transitions;
    private final ExitSettlement settlement;
    private final ContainerNetworks networks;

    ContainerNetworking(ContainerIndex index, TransitionLocks transitions, ExitSettlement settlement, ContainerNetworks networks) {
        this.index = index;
        this.transitions = transitions;
        this.settlement = settlement;
        this.networks = networks;
    }

    /** The container's network now: its sandbox (made here), the host's, a private one, or another container's. */
    NetworkView view(Container c) throws IOException {
        String mode = c.networkMode();
        String hostGateway = networks.network(Network.DEFAULT_BRIDGE).pools().getFirst().gateway();
        if (mode.equals("host")) {
            return new NetworkView("", "", List.of(), List.of(), hostGateway, null, List.of());
        }
        if (mode.startsWith("container:")) {
            Container other = linked(mode.substring("container:".length()), "cannot join the network of " + mode.substring(10));
            String netns = networks.sandbox(other.id()).map(Sandbox::netns)
                    .orElse(other.networkMode().equals("host") ? "" : "/proc/" + other.state().pid() + "/ns/net");
            return new NetworkView(netns, "", List.of(), List.of(), hostGateway, index.dir(other.id()), List.of());
        }
        if (mode.equals("none") || c.endpoints().isEmpty()) {
            return new NetworkView(null, "", List.of(), List.of(), hostGateway, null, List.of());
        }
        List<String> links = new ArrayList<>();
        List<String> linkEnv = new ArrayList<>();
        for (String link : c.hostConfig().links()) {
            String[] l = NetworkOptions.link(link);
            Container child = index.find(l[0]);
            Container other = linked(l[0], "Cannot link to " + (child == null ? l[0] : "/" + child.name()) + " AS /" + c.name() + "/" + l[1]);
            String ip = networks.sandbox(other.id()).flatMap(s -> s.attachments().stream().findFirst()).map(Attachment::ipv4Address).orElse("");
            if (!ip.isEmpty()) {
                links.add(ip + "\t" + l[1] + " " + other.id().substring(0, 12) + " " + other.name());
                linkEnv.addAll(LinkEnvironment.of(c.name(), l[1], ip, other.config().exposedPorts().keySet(), other.config().env()));
            }
        }
        Sandbox s = networks.up(new SandboxRequest(c.id(), c.name(), c.config().hostname(), c.endpoints(),
                NetworkOptions.ports(c.hostConfig(), c.config().exposedPorts().keySet()), ContainerConfig.list(c.hostConfig().dns())));
        if (s.attachments().isEmpty()) {
            return new NetworkView(s.netns(), "", List.of(), links, hostGateway, null, linkEnv);
        }
        Attachment first = s.attachments().getFirst();
        boolean dns = networks.network(first.networkId()).servesDns();
        return new NetworkView(s.netns(), first.ipv4Address(), dns ? List.of(first.gateway()) : List.of(), links, first.gateway(), null,
                linkEnv);
    }

    /** A running container this one depends on (link, shared namespace): a 400 when there is none. */
    private Container linked(String ref, String what) {
        Container other;
        try {
            other = index.get(ref);
        } catch (EngineException e) {
            throw EngineException.invalid(what + ": " + e.getMessage());
        }
        if (!other.state().running()) {
            throw EngineException.conflict(what + ": container " + other.name() + " is not running");
        }
        return other;
    }

    /** A network's id, by name or id. */
    public String networkId(String ref) {
        return networks.network(ref).id();
    }

    /** The running container's sandbox: its namespace, addresses and published ports. */
    public Optional<Sandbox> sandbox(String id) {
        return networks.sandbox(id);
    }

    @Override
    public void connect(String ref, String networkRef, EndpointSettings endpointConfig) throws IOException {
        String id = index.get(ref).id();
        transitions.with(id, () -> {
            Container c = settlement.current(id);
            String mode = c.networkMode();
            if (mode.equals("host") || mode.equals("none") || mode.startsWith("container:")) {
                throw EngineException.forbidden("container sharing network namespace with another container or host cannot be connected to any other network");
            }
            Network n = networks.network(networkRef);
            if (!n.bridged()) {
                throw EngineException.forbidden("container cannot be disconnected from host network or connected to host network");
            }
            if (c.endpoints().containsKey(n.name())) {
                throw EngineException.forbidden("endpoint with name " + c.name() + " already exists in network " + n.name());
            }
            EndpointRequest ep = NetworkOptions.endpoint(n, endpointConfig, "");
            if (c.state().running()) {
                networks.connect(id, c.name(), c.config().hostname(), n.name(), ep);
            }
            Map<String, EndpointRequest> all = new LinkedHashMap<>(c.endpoints());
            all.put(n.name(), ep);
            index.update(id, x -> x.withNetworks(all));
            return null;
        });
    }

    @Override
    public void disconnect(String ref, String networkRef) throws IOException {
        String id = index.get(ref).id();
        transitions.with(id, () -> {
            Container c = settlement.current(id);
            Network n = networks.network(networkRef);
            if (!c.endpoints().containsKey(n.name())) {
                throw EngineException.forbidden("container " + id + " is not connected to network " + n.name());
            }
            if (c.state().running()) {
                networks.disconnect(id, n.id());
            }
            Map<String, EndpointRequest> all = new LinkedHashMap<>(c.endpoints());
            all.remove(n.name());
            index.update(id, x -> x.withNetworks(all));
            return null;
        });
    }

    /**
     * Its legacy links as dockerd shows them in {@code HostConfig.Links}: {@code /child:/parent/alias}, under the
     * names the containers have now (links are kept by the linked container's id).
     */
    public List<String> shownLinks(Container c) {
        List<String> out = new ArrayList<>();
        for (String link : c.hostConfig().links()) {
            String[] l = NetworkOptions.link(link);
            Container child = index.find(l[0]);
            out.add("/" + (child == null ? l[0] : child.name()) + ":/" + c.name() + "/" + l[1]);
        }
        return out;
    }

    @Override
    public void removeLink(String parentRef, String alias) throws IOException {
        if (parentRef.isEmpty()) {
            throw EngineException.conflict("Conflict, cannot remove the default link name of the container");
        }
        String id = linkTarget(parentRef, alias);       // the 404 when there is no such link
        String parentId = index.get(parentRef).id();
        transitions.with(parentId, () -> {
            index.update(parentId, p -> p.withHostConfig(p.hostConfig().withLinks(p.hostConfig().links().stream()
                    .filter(l -> !Arrays.equals(NetworkOptions.link(l), new String[] {id, alias})).toList())));
            return null;
        });
    }

    @Override
    public String linkTarget(String parentRef, String alias) {
        EngineException none = EngineException.notFound("No such container: " + parentRef + "/" + alias);
        Container parent;
        try {
            parent = index.get(parentRef);
        } catch (EngineException e) {
            throw none;
        }
        return parent.hostConfig().links().stream().map(NetworkOptions::link)
                .filter(l -> l[1].equals(alias)).map(l -> l[0]).findFirst().orElseThrow(() -> none);
    }

    /**
     * The names containers' links give others, as dockerd lists them in {@code Names}: {@code /parent/alias}
     * by the linked container's id; one pass for a whole list.
     */
    public Map<String, List<String>> linkNames() {
        Map<String, List<String>> out = new HashMap<>();
        for (Container parent : index.list()) {
            for (String link : parent.hostConfig().links()) {
                String[] l = NetworkOptions.link(link);
                out.computeIfAbsent(l[0], k -> new ArrayList<>()).add("/" + parent.name() + "/" + l[1]);
            }
        }
        return out;
    }

    @Override
    public String memberName(String id) {
        Container c = index.find(id);
        return c == null ? "" : c.name();
    }
}
