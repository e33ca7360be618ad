package dev.berth.network;

import dev.berth.errors.EngineException;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 prefix ({@code 172.18.0.0/16}), or an address with its prefix length ({@code 172.18.0.2/16}). */
public record Cidr(InetAddress address, int prefix) {

    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw EngineException.invalid("invalid CIDR address: " + text);
        }
        InetAddress a = address(text.substring(0, slash), "invalid CIDR address: " + text);
        int p;
        try {
            p = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw EngineException.invalid("invalid CIDR address: " + text);
        }
        if (p < 0 || p > bits(a)) {
            throw EngineException.invalid("invalid CIDR address: " + text);
        }
        return new Cidr(a, p);
    }

    /** An IP literal, never a name to look up. */
    public static InetAddress address(String text, String error) {
        if (!text.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) {
            throw EngineException.invalid(error);
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw EngineException.invalid(error);
        }
    }

    /** The address as Go prints it (RFC 5952 for IPv6: the longest run of zero groups as ::), as CNI's plugins name files by it. */
    public static String canonical(InetAddress a) {
        if (a instanceof Inet4Address) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;     // a single zero group stays as 0
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!out.isEmpty() && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    public boolean ipv4() {
        return address instanceof Inet4Address;
    }

    /** The network itself: the host bits cleared. */
    public Cidr network() {
        return new Cidr(at(value().and(mask())), prefix);
    }

    public boolean contains(InetAddress a) {
        return bits(a) == bits(address) && new BigInteger(1, a.getAddress()).and(mask()).equals(value().and(mask()));
    }

    public boolean overlaps(Cidr other) {
        return bits(other.address) == bits(address) && (contains(other.address) || other.contains(address));
    }

    /** The n-th address of the network (1 is the first host: dockerd's gateway). */
    public InetAddress host(long n) {
        return at(value().and(mask()).add(BigInteger.valueOf(n)));
    }

    /** The address {@code n} after (or before) {@code a}. */
    public static InetAddress step(InetAddress a, long n) {
        return new Cidr(a, 0).at(new BigInteger(1, a.getAddress()).add(BigInteger.valueOf(n)));
    }

    /** The last address of the network (IPv4's broadcast). */
    public InetAddress last() {
        return at(value().or(mask().not().and(all())));
    }

    /** As Go prints a prefix: IPv6 in its RFC 5952 form ({@code 2001:389::/64}). */
    @Override
    public String toString() {
        return canonical(address) + "/" + prefix;
    }

    private BigInteger value() {
        return new BigInteger(1, address.getAddress());
    }

    private BigInteger all() {
        return BigInteger.ONE.shiftLeft(bits(address)).subtract(BigInteger.ONE);
    }

    private BigInteger mask() {
        return all().shiftRight(bits(address) - prefix).shiftLeft(bits(address) - prefix);
    }

    private InetAddress at(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[bits(address) / 8];
        int n = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - n, out, out.length - n, n);
        try {
            return InetAddress.getByAddress(out);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int bits(InetAddress a) {
        return a.getAddress().length * 8;
    }
}
