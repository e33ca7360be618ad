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
            String length = head.header("content-length");
            byte[] content = length != null ? c.readExactly(Integer.parseInt(length)) : c.readToEnd();
            return new Response(head.status(), head.reason(), head.headers(), content);
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
