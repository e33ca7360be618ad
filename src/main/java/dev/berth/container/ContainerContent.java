package dev.berth.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.container.spec.ProcessRules;
import dev.berth.errors.EngineException;
import dev.berth.files.ContainerFiles;
import dev.berth.files.ContainerView;
import dev.berth.files.PathStat;
import dev.berth.host.EngineJson;
import dev.berth.image.CommitRequest;
import dev.berth.image.Image;
import dev.berth.image.ImageStore;
import dev.berth.runtime.OciRuntime;
import dev.berth.rootfs.Changes;
import dev.berth.rootfs.RootfsDriver;
import dev.berth.volume.ContainerVolumes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A container's files: {@code docker cp} and {@code export} through {@link FileAccess}, {@code docker diff},
 * {@code docker commit} (the {@link ContainerArchives} the API reaches), the sizes {@code ps --size} shows, and the users its files name.
 */
public final class ContainerContent implements ContainerArchives {

    private static final ObjectMapper JSON = EngineJson.MAPPER;

    private final ContainerIndex index;
    private final TransitionLocks transitions;
    private final ExitSettlement settlement;
    private final ContainerEvents events;
    private final ImageStore images;
    private final RootfsDriver rootfs;
    private final OciRuntime runtime;
    private final ContainerVolumes volumes;
    private final FileAccess files;

    ContainerContent(ContainerIndex index, TransitionLocks transitions, ExitSettlement settlement, ContainerEvents events,
                     ImageStore images, RootfsDriver rootfs, OciRuntime runtime, ContainerVolumes volumes) {
        this.index = index;
        this.transitions = transitions;
        this.settlement = settlement;
        this.events = events;
        this.images = images;
        this.rootfs = rootfs;
        this.runtime = runtime;
        this.volumes = volumes;
        this.files = new FileAccess(index, transitions, rootfs, images, volumes, runtime);
    }

    /**
     * Runs {@code work} on the container's files as it sees them ({@code docker cp}, {@code export});
     * {@code writing} when it changes them; {@code action} is the event it makes (none for null).
     */
    public <T> T files(String ref, boolean writing, String action, FileWork<T> work) throws IOException {
        T result = files.with(ref, writing, work::run);
        if (action != null) {
            events.report(ref, action, Map.of());
        }
        return result;
    }

    public ContainerViews.Sizes sizes(Container c) throws IOException {
        long rw = rootfs.changesSize(c.id());
        long image;
        try {
            image = images.get(c.imageId()).size();
        } catch (EngineException gone) {
            image = 0;
        }
        return new ContainerViews.Sizes(rw, rw + image);
    }

    @Override
    public PathStat stat(String ref, String path) throws IOException {
        return files(ref, false, null, view -> ContainerFiles.stat(view, path));
    }

    @Override
    public void archive(String ref, String path, Function<PathStat, OutputStream> open) throws IOException {
        files(ref, false, "archive-path", view -> {
            ContainerFiles.archive(view, path, open);
            return null;
        });
    }

    @Override
    public void extract(String ref, String path, InputStream tar, boolean noOverwriteDirNonDir, boolean copyOwner) throws IOException {
        files(ref, true, "extract-to-dir", view -> {
            ContainerFiles.extract(view, path, tar, noOverwriteDirNonDir, copyOwner ? userIds(ref, view.root()) : null);
            return null;
        });
    }

    @Override
    public void export(String ref, OutputStream out) throws IOException {
        files(ref, false, "export", view -> {
            ContainerFiles.export(view, out);
            return null;
        });
    }

    @Override
    public List<Changes.Change> changes(String ref) throws IOException {
        Container c = index.get(ref);
        return rootfs.changes(c.id(), images.containerLayers(c.imageId()));
    }

    @Override
    public Image commit(String ref, CommitRequest request, boolean pause) throws IOException {
        String id = index.get(ref).id();
        return transitions.with(id, () -> {
            Container c = settlement.current(id);
            boolean freeze = pause && c.state().running() && !c.state().paused();
            if (freeze) {
                runtime.freeze(id, true);
            }
            try {
                List<String> command = new ArrayList<>();
                command.add(c.path());
                command.addAll(c.args());
                var changes = rootfs.changes(id, images.containerLayers(c.imageId()));
                Image made = images.commitContainer(c.imageId(), out -> ContainerFiles.writeChanges(rootfs.changesDir(id), changes, out),
                        request.of(id, JSON.valueToTree(c.config()), String.join(" ", command)));
                events.fire(c, id, "commit", Map.of("comment", request.comment(), "imageID", made.id().toString()));
                return made;
            } finally {
                if (freeze) {
                    runtime.freeze(id, false);
                }
            }
        });
    }

    /** The uid and gid its processes run as ({@code User}, looked up in its own passwd and group files under {@code root}). */
    private int[] userIds(String ref, Path root) throws IOException {
        return ProcessRules.user(index.get(ref).config().user(), root);
    }

    /** The uid and gid a {@code user[:group]} names, looked up in the passwd and group files under {@code root}. */
    public int[] userIdsOf(String user, Path root) throws IOException {
        return ProcessRules.user(user, root);
    }

    /** Work on a container's files. */
    public interface FileWork<T> {
        T run(ContainerView view) throws IOException;
    }

    /** The directory a volume's files are in. */
    public Path volumeDir(String name) {
        return volumes.dir(name);
    }
}
