package dev.berth.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** This process's mount table ({@code /proc/self/mountinfo}). */
public final class MountTable {

    private MountTable() {}

    public static boolean isMountPoint(Path p) throws IOException {
        String target = p.toAbsolutePath().toString().replace(" ", "\\040");
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            return lines.map(l -> l.split(" ")[4]).anyMatch(m -> m.equals(target));
        }
    }
}
