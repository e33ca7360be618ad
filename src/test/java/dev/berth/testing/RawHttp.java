package dev.berth.testing;

import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 by hand over a unix socket, as a hijacking client sees it: the status line and headers,
 * then a raw stream both ways, with half-close ({@code shutdown(SHUT_WR)}) under the test's control.
 */
public final class RawHttp implements Closeable {

    public record Response(int status, String reason, Map<String, String> headers, byte[] body) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final AFUNIXSocket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(Path socketPath) throws IOException {
        socket = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(socketPath));
        socket.setSoTimeout(20_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** One request on a fresh connection; the body is read by Content-Length, or to the end of the stream. */
    public static Response request(Path socketPath, String method, String path, Map<String, String> headers, byte[] body)
            throws IOException {
        try (RawHttp c = new RawHttp(socketPath)) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.putIfAbsent("Connection", "close");
            c.sendRequest(method, path, h, body);
            Response head = c.readHead();
            return new Response(head.status(), head.reason(), head.headers(), c.readBody(head));
        }
    }

    /** Something that writes a request body to a stream. */
    public interface BodyWriter {
        void write(OutputStream out) throws Exception;
    }

    /** One request whose body is generated as it is sent (chunked), never held whole in memory. */
    public static Response streamRequest(Path socketPath, String method, String path, BodyWriter body) throws Exception {
        try (RawHttp c = new RawHttp(socketPath)) {
            c.out.write((method + " " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            OutputStream chunked = new java.io.BufferedOutputStream(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (len > 0) {
                        c.out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        c.out.write(b, off, len);
                        c.out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    }
                }
            }, 1 << 16);
            body.write(chunked);
            chunked.flush();
            c.out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            c.out.flush();
            Response head = c.readHead();
            return new Response(head.status(), head.reason(), head.headers(), c.readBody(head));
        }
    }

    public void sendRequest(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        StringBuilder sb = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: docker\r\n");
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) {
            sb.append("Content-Length: ").append(body.length).append("\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.write(body);
        }
        out.flush();
    }

    /** Reads the status line and headers, byte by byte so that nothing of the stream after them is consumed. */
    public Response readHead() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the response head: " + buf);
            }
            buf.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        String[] lines = buf.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        return new Response(Integer.parseInt(statusLine[1]), statusLine.length > 2 ? statusLine[2] : "", headers, new byte[0]);
    }

    /** The body after {@code head}: by Content-Length, chunked, or to the end of the stream. */
    public byte[] readBody(Response head) throws IOException {
        String length = head.header("content-length");
        if (length != null) {
            return readExactly(Integer.parseInt(length));
        }
        if (!"chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
            return readToEnd();
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = readLine();
            int n = Integer.parseInt(size.split(";")[0].trim(), 16);
            if (n == 0) {
                readLine();
                return body.toByteArray();
            }
            body.write(readExactly(n));
            readLine();
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("connection closed in a chunked body");
            }
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }

    public void write(byte[] data) throws IOException {
        out.write(data);
        out.flush();
    }

    /** The client's half-close: no more bytes from us, but we keep reading. */
    public void shutdownOutput() throws IOException {
        socket.getChannel().shutdownOutput();
    }

    public byte[] readExactly(int n) throws IOException {
        return in.readNBytes(n);
    }

    public byte[] readToEnd() throws IOException {
        return in.readAllBytes();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
