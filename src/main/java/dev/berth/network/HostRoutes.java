package dev.berth.network;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The host's IPv4 routes ({@code /proc/net/route}): which subnets are taken, and the default route's MTU. */
final class HostRoutes {

    private static final Path ROUTES = Path.of("/proc/net/route");

    private HostRoutes() {}

    /** The subnets the host routes to, but for the default route and Berth's own bridges. */
    static List<Cidr> taken(List<String> ownBridges) {
        List<Cidr> out = new ArrayList<>();
        for (String[] f : rows()) {
            long dest = Long.parseLong(f[1], 16);
            int mask = Integer.bitCount((int) Long.parseLong(f[7], 16));
            if (mask > 0 && !ownBridges.contains(f[0])) {
                out.add(new Cidr(littleEndian(dest), mask));
            }
        }
        return out;
    }

    /**
     * The MTU of the default route's interface, so that a bridge never sends frames the host's link
     * would drop (this host's is 1400); 1500 without a default route.
     */
    static int defaultMtu() {
        for (String[] f : rows()) {
            if (Long.parseLong(f[1], 16) == 0 && Long.parseLong(f[7], 16) == 0) {
                try {
                    return Integer.parseInt(Files.readString(Path.of("/sys/class/net", f[0], "mtu")).strip());
                } catch (IOException | NumberFormatException e) {
                    break;
                }
            }
        }
        return 1500;
    }

    private static List<String[]> rows() {
        try {
            return Files.readAllLines(ROUTES).stream().skip(1).map(l -> l.strip().split("\\s+")).filter(f -> f.length >= 8).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static InetAddress littleEndian(long v) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
