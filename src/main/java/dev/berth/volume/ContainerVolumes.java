package dev.berth.volume;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** What the container lifecycle needs of volumes: made at create, readied at start, let go at exit and removal. */
public interface ContainerVolumes {

    /** Who uses volumes, asked when one is removed, pruned or let go. */
    interface Users {
        /** The containers (ids) whose mounts name the volume. */
        List<String> of(String volume);

        /** Whether a running container mounts it. */
        boolean running(String volume);
    }

    void users(Users users);

    /** Checks a request as {@link #create} would, making nothing: a bad one is a 400. */
    void check(VolumeCreate request);

    /** Makes the volume, or answers the one of that name (an anonymous one for an empty name). */
    Volume create(VolumeCreate request) throws IOException;

    /**
     * Readies a volume for a container about to start: its own mount made when it has one, and when it is
     * empty, filled with a copy of {@code content} (the image's files at the mount point; null for none).
     * Answers the directory to bind.
     */
    Path mount(String name, Path content) throws IOException;

    /** A container that used the volume stopped: its own mount goes when no running container uses it. */
    void release(String name);

    /** Removes an anonymous volume of a container being removed; one still used elsewhere or gone stays as it is. */
    void removeAnonymous(String name);

    /** The directory its files are in (inspect's Mountpoint). */
    Path dir(String name);
}
