package dev.berth.host;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/** Finds helper binaries the way a shell would, plus the sbin directories a daemon's PATH may lack. */
public final class Executables {

    private Executables() {}

    /** A name is looked up on PATH; anything with a slash is taken as a path. */
    public static Optional<Path> find(String nameOrPath) {
        if (nameOrPath.contains("/")) {
            Path p = Path.of(nameOrPath);
            return Files.isExecutable(p) ? Optional.of(p.toAbsolutePath()) : Optional.empty();
        }
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(File.pathSeparator)) {
                if (!d.isEmpty()) dirs.add(d);
            }
        }
        dirs.addAll(Set.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/libexec/podman"));
        return dirs.stream().map(d -> Path.of(d, nameOrPath)).filter(Files::isExecutable).findFirst();
    }
}
