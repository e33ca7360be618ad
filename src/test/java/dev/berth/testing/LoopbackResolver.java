package dev.berth.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * A DNS resolver of a test's own on 127.0.0.1, for daemons' {@code --dns-upstream}: each query goes to the
 * test's {@link Responder}, which answers as it likes (or not at all). Nothing leaves the machine.
 */
public final class LoopbackResolver implements AutoCloseable {

    /** What the resolver does with one query: sends what it likes through {@code socket} to {@code client}. */
    @FunctionalInterface
    public interface Responder {
        void respond(byte[] query, InetSocketAddress client, DatagramSocket socket) throws IOException;
    }

    private final DatagramSocket socket;
    private final Thread thread;

    private LoopbackResolver(Responder responder) throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = Thread.ofPlatform().daemon().start(() -> {
            byte[] buf = new byte[512];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket q = new DatagramPacket(buf, buf.length);
                    socket.receive(q);
                    responder.respond(Arrays.copyOf(q.getData(), q.getLength()), (InetSocketAddress) q.getSocketAddress(), socket);
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    public static LoopbackResolver start(Responder responder) throws IOException {
        return new LoopbackResolver(responder);
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** The answer to a query: for an A query the address 10.1.2.{last}, for any other type no record. */
    public static byte[] answer(byte[] query, int last) {
        int end = 12;
        while (query[end] != 0) {
            end += query[end] + 1;
        }
        int questionEnd = end + 5;
        boolean a = query[end + 1] == 0 && query[end + 2] == 1;
        byte[] out = new byte[questionEnd + (a ? 16 : 0)];
        System.arraycopy(query, 0, out, 0, questionEnd);
        out[2] = (byte) 0x81;
        out[3] = (byte) 0x80;
        out[7] = (byte) (a ? 1 : 0);
        out[9] = 0;
        out[11] = 0;
        if (a) {
            byte[] rr = {(byte) 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, (byte) last};
            System.arraycopy(rr, 0, out, questionEnd, rr.length);
        }
        return out;
    }

    /** Sends {@code message} to {@code client} from {@code from}. */
    public static void send(DatagramSocket from, byte[] message, InetSocketAddress client) throws IOException {
        from.send(new DatagramPacket(message, message.length, client));
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(5000);
    }
}
