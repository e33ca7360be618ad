package dev.berth.network;

import dev.berth.host.HostCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * What a stopped container's network left on the host when its sandbox record could not be read (a damaged
 * file): found from the container's id alone, as Berth and the CNI plugins name things by it — the namespace
 * {@code /run/netns/berth-<id>} (its veths go with it), host-local's leases (files holding the id) and
 * portmap's DNAT chain (whose jump names the id).
 */
final class OrphanSandbox {

    private static final Logger LOG = Logger.getLogger(OrphanSandbox.class.getName());
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private OrphanSandbox() {}

    static void cleanUp(String containerId, Path netns, Path ipamDir) {
        try {
            if (Files.exists(netns)) {
                HostCommand.check(DEADLINE, "ip", "netns", "delete", netns.getFileName().toString());
            }
            try (Stream<Path> leases = Files.walk(ipamDir, 2)) {
                for (Path lease : leases.filter(Files::isRegularFile).toList()) {
                    if (Files.size(lease) < 4096 && Files.readString(lease, StandardCharsets.ISO_8859_1).startsWith(containerId)) {
                        Files.delete(lease);
                    }
                }
            }
            for (String family : List.of("iptables", "ip6tables")) {
                HostCommand.Result saved = HostCommand.run(List.of(family + "-save", "-t", "nat"), Map.of(), new byte[0], DEADLINE);
                if (saved.ok()) {
                    String script = dnatRemoval(saved.stdout(), containerId);
                    if (!script.isEmpty()) {
                        HostCommand.run(List.of(family + "-restore", "--noflush", "--wait"), Map.of(),
                                script.getBytes(StandardCharsets.UTF_8), DEADLINE);
                    }
                }
            }
            LOG.info("container " + containerId + ": its unreadable network record's namespace, leases and port rules were removed");
        } catch (IOException e) {
            LOG.warning("container " + containerId + ": cleaning up after its unreadable network record: " + e.getMessage());
        }
    }

    /** The nat-table script that deletes portmap's jumps naming this container and the chains they lead to. */
    static String dnatRemoval(String natSave, String containerId) {
        List<String> deletes = new ArrayList<>();
        List<String> chains = new ArrayList<>();
        for (String line : natSave.split("\n")) {
            if (line.startsWith("-A CNI-HOSTPORT-DNAT ") && line.contains("id: \\\"" + containerId + "\\\"")) {
                deletes.add("-D " + line.substring(3));
                int jump = line.lastIndexOf(" -j ");
                if (jump > 0) {
                    chains.add(line.substring(jump + 4).strip());
                }
            }
        }
        if (deletes.isEmpty()) {
            return "";
        }
        StringBuilder script = new StringBuilder("*nat\n");
        deletes.forEach(d -> script.append(d).append('\n'));
        chains.forEach(c -> script.append("-F ").append(c).append('\n'));
        chains.forEach(c -> script.append("-X ").append(c).append('\n'));
        return script.append("COMMIT\n").toString();
    }
}
