package dev.berth.files;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.host.EngineJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Base64;

/**
 * What {@code X-Docker-Container-Path-Stat} says of a path in a container: its name, size, mode as Go's
 * {@code os.FileMode} (the docker CLI tests its directory and symlink bits), mtime and, for a symlink,
 * the path it leads to inside the container.
 */
public record PathStat(String name, long size, long mode, String mtime, String linkTarget) {

    private static final int S_IFMT = 0170000;

    /** The stat of the file at {@code host} (not followed), named {@code name} in the container. */
    static PathStat of(Path host, String name, String linkTarget) throws IOException {
        var a = Files.readAttributes(host, "unix:mode,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        return new PathStat(name, (Long) a.get("size"), goMode(mode), ((FileTime) a.get("lastModifiedTime")).toInstant().toString(), linkTarget);
    }

    public boolean isDirectory() {
        return (mode & (1L << 31)) != 0;
    }

    /** Go's os.FileMode for a Unix st_mode: the type in the high bits, setuid/setgid/sticky moved to Go's. */
    static long goMode(int unix) {
        long m = unix & 0777;
        m |= switch (unix & S_IFMT) {
            case 0040000 -> 1L << 31;                   // ModeDir
            case 0120000 -> 1L << 27;                   // ModeSymlink
            case 0060000 -> 1L << 26;                   // ModeDevice
            case 0020000 -> (1L << 26) | (1L << 21);    // ModeDevice | ModeCharDevice
            case 0010000 -> 1L << 25;                   // ModeNamedPipe
            case 0140000 -> 1L << 24;                   // ModeSocket
            default -> 0L;
        };
        if ((unix & 04000) != 0) {
            m |= 1L << 23;
        }
        if ((unix & 02000) != 0) {
            m |= 1L << 22;
        }
        if ((unix & 01000) != 0) {
            m |= 1L << 20;
        }
        return m;
    }

    /** The header's value: this stat as JSON, base64-encoded. */
    public String header() {
        ObjectNode o = EngineJson.MAPPER.createObjectNode();
        o.put("name", name).put("size", size).put("mode", mode).put("mtime", mtime).put("linkTarget", linkTarget);
        try {
            return Base64.getEncoder().encodeToString(EngineJson.MAPPER.writeValueAsBytes(o));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
