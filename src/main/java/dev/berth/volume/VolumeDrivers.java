package dev.berth.volume;

import dev.berth.errors.EngineException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The volume drivers a request may name: Berth's own {@code local}. Another is looked up where dockerd
 * discovers plugins: one that is not there is dockerd's 404 in its words; one that is installed is a 501,
 * since Berth does not speak the plugin protocol yet.
 */
public final class VolumeDrivers {

    private static final List<Path> PLUGIN_DIRS = List.of(Path.of("/run/docker/plugins"), Path.of("/etc/docker/plugins"),
            Path.of("/usr/lib/docker/plugins"));

    private VolumeDrivers() {}

    /** Refuses any driver but local, for {@code op} ("create", say) on the volume {@code name} (empty: unnamed). */
    public static void require(String driver, String op, String name) {
        if (driver == null || driver.isEmpty() || driver.equals("local")) {
            return;
        }
        if (installed(driver)) {
            throw EngineException.notImplemented("Berth does not implement volume plugins yet: " + driver
                    + " is installed as a Docker plugin, but only the local driver can serve volumes here");
        }
        throw EngineException.notFound(op + (name.isEmpty() ? "" : " " + name) + ": error looking up volume plugin " + driver
                + ": plugin \"" + driver + "\" not found");
    }

    /** A socket, spec or JSON file of that name, as dockerd's plugin discovery finds them. */
    private static boolean installed(String driver) {
        if (!driver.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            return false;       // never a path: nothing outside the plugin directories is looked at
        }
        for (Path dir : PLUGIN_DIRS) {
            for (String file : List.of(driver + ".sock", driver + ".spec", driver + ".json", driver + "/" + driver + ".sock")) {
                if (Files.exists(dir.resolve(file))) {
                    return true;
                }
            }
        }
        return false;
    }
}
