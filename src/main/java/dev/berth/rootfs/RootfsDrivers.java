package dev.berth.rootfs;

import java.io.IOException;
import java.nio.file.Path;

/** Picks the root filesystem driver: the one asked for, else overlay where it mounts here, else vfs. */
public final class RootfsDrivers {

    private RootfsDrivers() {}

    /**
     * @param requested {@code overlay}, {@code vfs}, or null to detect
     * @throws IllegalArgumentException for an unknown name, or overlay where it does not work
     */
    public static RootfsDriver open(Path root, String requested) throws IOException {
        Path dir = root.resolve("rootfs");
        if (requested == null) {
            return OverlayDriver.works(dir) ? new OverlayDriver(dir) : new CopyDriver(dir);
        }
        return switch (requested) {
            case "overlay", "overlay2" -> {
                if (!OverlayDriver.works(dir)) {
                    throw new IllegalArgumentException("storage driver overlay does not work on " + dir
                            + " (no overlayfs, or an upper dir on this filesystem is refused): use --storage-driver vfs");
                }
                yield new OverlayDriver(dir);
            }
            case "vfs" -> new CopyDriver(dir);
            default -> throw new IllegalArgumentException("unknown storage driver \"" + requested + "\": overlay or vfs");
        };
    }
}
