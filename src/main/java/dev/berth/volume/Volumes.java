package dev.berth.volume;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/** The volumes as the API sees them ({@code docker volume ...} and {@code system df}). Blocking: call off the event loop. */
public interface Volumes {

    /** What a prune removed: the volumes and the bytes their files took. */
    record Pruned(List<String> names, long spaceReclaimed) {}

    /** By name. */
    List<Volume> list();

    /** A 404 when there is none of that name. */
    Volume get(String name);

    /** Where the volume's files are ({@code Mountpoint}). */
    Path dir(String name);

    /** Makes the volume, or answers the one of that name (an anonymous one for an empty name). */
    Volume create(VolumeCreate request) throws IOException;

    /** {@code docker volume rm}: a 409 naming the containers while any uses it; {@code force} ignores a missing one. */
    void remove(String name, boolean force) throws IOException;

    /** {@code docker volume prune}: unused volumes without options of their own that {@code which} accepts. */
    Pruned prune(Predicate<Volume> which) throws IOException;

    /** The bytes its files take (a mounted device's included while it is mounted). */
    long size(String name) throws IOException;

    /** The containers that use it (ids). */
    List<String> usersOf(String name);
}
