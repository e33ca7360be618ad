package dev.berth.network;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;

/**
 * The resolver of a user network, on its gateway address, as dockerd's embedded DNS server and podman's
 * aardvark-dns: the names of the containers on the network (names, aliases, short ids) answer with their
 * addresses; any other name is forwarded to upstream resolvers and their answer relayed as it came.
 * Built on Netty's DNS codec; UDP.
 */
final class DnsServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DnsServer.class.getName());
    /** dockerd's TTL for container names. */
    private static final int TTL = 600;
    private static final int FORWARD_TIMEOUT_MS = 2000;

    /** Who may ask: the containers of the network. */
    interface Names {
        /** The container of this network with this address, or null: any other sender's queries go unanswered. */
        Asker asker(InetAddress sender);
    }

    /** A container of the network, as the server answers it. */
    interface Asker {
        /** The addresses of a name on the networks this container is on, or null when no container there has it. */
        List<InetAddress> lookup(String name);

        /** Where its other names go; empty on an internal network (they fail). */
        List<InetSocketAddress> upstreams();
    }

    /** Forwarded queries waiting for an upstream at once, over all networks: past it a query fails at once. */
    private static final Semaphore FORWARDS = new Semaphore(128);
    private static final SecureRandom IDS = new SecureRandom();

    /** A query as decoded, with the bytes it came in, to forward unchanged. */
    private record Query(DatagramDnsQuery query, byte[] raw) {}

    private final Channel channel;

    private DnsServer(Channel channel) {
        this.channel = channel;
    }

    static DnsServer start(EventLoopGroup group, InetAddress address, int port, Names names) throws IOException {
        Bootstrap b = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(new ChannelInitializer<DatagramChannel>() {
            @Override
            protected void initChannel(DatagramChannel ch) {
                ch.pipeline().addLast(new RawKeepingDecoder(), new ResponseEncoder(), new Handler(names));
            }
        });
        try {
            return new DnsServer(b.bind(address, port).sync().channel());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the DNS server on " + address.getHostAddress(), e);
        } catch (Exception e) {
            throw new IOException("could not serve DNS on " + address.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    private static final class RawKeepingDecoder extends DatagramDnsQueryDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) throws Exception {
            byte[] raw = ByteBufUtil.getBytes(packet.content());
            super.decode(ctx, packet, out);
            out.replaceAll(q -> new Query((DatagramDnsQuery) q, raw));
        }
    }

    /** Encodes Netty's DNS responses only: a relayed answer is a DatagramPacket (an AddressedEnvelope too) that goes out as it is. */
    private static final class ResponseEncoder extends DatagramDnsResponseEncoder {
        @Override
        public boolean acceptOutboundMessage(Object msg) {
            return msg instanceof DatagramDnsResponse;
        }
    }

    private static final class Handler extends SimpleChannelInboundHandler<Query> {
        private final Names names;

        Handler(Names names) {
            this.names = names;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Query q) {
            DatagramDnsQuery query = q.query();
            try {
                DnsQuestion question = query.recordAt(DnsSection.QUESTION);
                if (question == null) {
                    reply(ctx, query, null, DnsResponseCode.FORMERR, List.of());
                    return;
                }
                Asker asker = names.asker(query.sender().getAddress());
                if (asker == null) {
                    return;     // not a container of this network: no answer, no forwarding
                }
                String name = question.name().toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
                List<InetAddress> known = asker.lookup(name);
                if (known != null) {
                    Class<?> family = question.type() == DnsRecordType.AAAA ? Inet6Address.class : Inet4Address.class;
                    boolean addressQuery = question.type() == DnsRecordType.A || question.type() == DnsRecordType.AAAA;
                    reply(ctx, query, question, DnsResponseCode.NOERROR,
                            addressQuery ? known.stream().filter(family::isInstance).toList() : List.of());
                    return;
                }
                List<InetSocketAddress> upstreams = asker.upstreams();
                if (upstreams.isEmpty() || query.count(DnsSection.QUESTION) != 1 || !FORWARDS.tryAcquire()) {
                    reply(ctx, query, question, DnsResponseCode.SERVFAIL, List.of());
                    return;
                }
                InetSocketAddress client = query.sender();
                InetSocketAddress local = query.recipient();
                DnsQuestion copy = new DefaultDnsQuestion(question.name(), question.type());
                int id = query.id();
                boolean rd = query.isRecursionDesired();
                Thread.ofVirtual().start(() -> {
                    try {
                        forward(ctx, q.raw(), upstreams, client, local, id, rd, copy);
                    } finally {
                        FORWARDS.release();
                    }
                });
            } catch (RuntimeException e) {
                LOG.log(java.util.logging.Level.FINE, "DNS query: " + e, e);
            } finally {
                query.release();
            }
        }

        /**
         * Sends the query to each upstream in turn, under an ID of its own, from a socket connected to that
         * upstream (the kernel drops datagrams from anywhere else); an answer counts only with that ID and the
         * query's question, and goes back with the client's ID. No answer is SERVFAIL.
         */
        private static void forward(ChannelHandlerContext ctx, byte[] raw, List<InetSocketAddress> upstreams, InetSocketAddress client,
                                    InetSocketAddress local, int id, boolean rd, DnsQuestion question) {
            int questionEnd = questionEnd(raw);
            for (InetSocketAddress upstream : questionEnd < 0 ? List.<InetSocketAddress>of() : upstreams) {
                try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
                    s.connect(upstream);
                    byte[] out = raw.clone();
                    int upstreamId = IDS.nextInt(1 << 16);
                    out[0] = (byte) (upstreamId >> 8);
                    out[1] = (byte) upstreamId;
                    s.send(new java.net.DatagramPacket(out, out.length));
                    long deadline = System.nanoTime() + FORWARD_TIMEOUT_MS * 1_000_000L;
                    byte[] buf = new byte[4096];
                    while (true) {
                        long left = (deadline - System.nanoTime()) / 1_000_000L;
                        if (left <= 0) {
                            throw new SocketTimeoutException();
                        }
                        s.setSoTimeout((int) left);
                        java.net.DatagramPacket answer = new java.net.DatagramPacket(buf, buf.length);
                        s.receive(answer);
                        if (answers(buf, answer.getLength(), out, questionEnd)) {
                            buf[0] = (byte) (id >> 8);
                            buf[1] = (byte) id;
                            ctx.writeAndFlush(new DatagramPacket(Unpooled.copiedBuffer(buf, 0, answer.getLength()), client, local))
                                    .addListener(f -> {
                                        if (!f.isSuccess()) {
                                            LOG.fine("DNS answer to " + client + ": " + f.cause());
                                        }
                                    });
                            return;
                        }
                    }
                } catch (SocketTimeoutException e) {
                    LOG.fine("DNS upstream " + upstream + " did not answer");
                } catch (IOException e) {
                    LOG.fine("DNS upstream " + upstream + ": " + e.getMessage());
                }
            }
            DatagramDnsResponse r = new DatagramDnsResponse(local, client, id);
            r.setRecursionDesired(rd).setRecursionAvailable(true).setCode(DnsResponseCode.SERVFAIL);
            r.addRecord(DnsSection.QUESTION, question);
            ctx.writeAndFlush(r);
        }

        private static void reply(ChannelHandlerContext ctx, DatagramDnsQuery query, DnsQuestion question, DnsResponseCode code,
                                  List<InetAddress> addresses) {
            DatagramDnsResponse r = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            r.setRecursionDesired(query.isRecursionDesired()).setRecursionAvailable(true).setCode(code);
            if (question != null) {
                r.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(question.name(), question.type()));
                for (InetAddress a : addresses) {
                    r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(),
                            a instanceof Inet6Address ? DnsRecordType.AAAA : DnsRecordType.A, TTL, Unpooled.wrappedBuffer(a.getAddress())));
                }
            }
            ctx.writeAndFlush(r);
        }
    }

    /** Where the one question of a query ends (after its type and class), or -1 when it is not well formed. */
    static int questionEnd(byte[] msg) {
        int i = 12;
        while (i < msg.length && msg[i] != 0) {
            if ((msg[i] & 0xc0) != 0) {
                return -1;      // a pointer or an extended label: not in a query's question
            }
            i += (msg[i] & 0xff) + 1;
        }
        return i + 5 <= msg.length ? i + 5 : -1;
    }

    /** Whether a datagram is the answer to {@code query}: a response with its ID and its question (names compared without case). */
    static boolean answers(byte[] msg, int length, byte[] query, int questionEnd) {
        if (length < questionEnd || msg[0] != query[0] || msg[1] != query[1] || (msg[2] & 0x80) == 0 || msg[4] != 0 || msg[5] != 1) {
            return false;
        }
        for (int i = 12; i < questionEnd; i++) {
            if (Character.toLowerCase(msg[i]) != Character.toLowerCase(query[i])) {
                return false;
            }
        }
        return true;
    }
}
