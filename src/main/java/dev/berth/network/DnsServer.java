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
import java.util.List;
import java.util.Locale;
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

    /** What the server knows: the network's names, and where other names go. */
    interface Names {
        /** The addresses of a name on this network, or null when it is not one of the network's. */
        List<InetAddress> lookup(String name);

        /** Where to forward other names for this client; empty on an internal network (they fail). */
        List<InetSocketAddress> upstreams(InetAddress client);
    }

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
                String name = question.name().toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
                List<InetAddress> known = names.lookup(name);
                if (known != null) {
                    Class<?> family = question.type() == DnsRecordType.AAAA ? Inet6Address.class : Inet4Address.class;
                    boolean addressQuery = question.type() == DnsRecordType.A || question.type() == DnsRecordType.AAAA;
                    reply(ctx, query, question, DnsResponseCode.NOERROR,
                            addressQuery ? known.stream().filter(family::isInstance).toList() : List.of());
                    return;
                }
                List<InetSocketAddress> upstreams = names.upstreams(query.sender().getAddress());
                if (upstreams.isEmpty()) {
                    reply(ctx, query, question, DnsResponseCode.SERVFAIL, List.of());
                    return;
                }
                InetSocketAddress client = query.sender();
                InetSocketAddress local = query.recipient();
                DnsQuestion copy = new DefaultDnsQuestion(question.name(), question.type());
                int id = query.id();
                boolean rd = query.isRecursionDesired();
                Thread.ofVirtual().start(() -> forward(ctx, q.raw(), upstreams, client, local, id, rd, copy));
            } catch (RuntimeException e) {
                LOG.log(java.util.logging.Level.FINE, "DNS query: " + e, e);
            } finally {
                query.release();
            }
        }

        /** Sends the query to each upstream in turn; the first answer goes back as it came, none is SERVFAIL. */
        private static void forward(ChannelHandlerContext ctx, byte[] raw, List<InetSocketAddress> upstreams, InetSocketAddress client,
                                    InetSocketAddress local, int id, boolean rd, DnsQuestion question) {
            for (InetSocketAddress upstream : upstreams) {
                try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
                    s.setSoTimeout(FORWARD_TIMEOUT_MS);
                    s.send(new java.net.DatagramPacket(raw, raw.length, upstream));
                    byte[] buf = new byte[4096];
                    java.net.DatagramPacket answer = new java.net.DatagramPacket(buf, buf.length);
                    s.receive(answer);
                    ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(buf, 0, answer.getLength()), client, local))
                            .addListener(f -> {
                                if (!f.isSuccess()) {
                                    LOG.fine("DNS answer to " + client + ": " + f.cause());
                                }
                            });
                    return;
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
}
