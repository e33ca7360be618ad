package dev.berth.system;

import dev.berth.container.ContainerViews;
import dev.berth.image.Image;
import dev.berth.volume.Volume;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Docker's system service as the API reaches it: {@code docker version}, {@code info} and {@code system df}. */
public interface SystemReports {

    /** What {@code /system/df} reports: the images and the bytes their layers take (each shared layer once), the containers, the volumes. */
    record DiskUsage(long layersSize, List<Image> images, List<ContainerViews.Listed> containers, List<VolumeUsage> volumes,
                     Function<String, Path> volumeDirs) {}

    /** A volume, where its files are, the bytes they take and how many containers use it. */
    record VolumeUsage(Volume volume, Path dir, long size, int refCount) {}

    CompletableFuture<VersionReport> version();

    CompletableFuture<InfoReport> info();

    CompletableFuture<DiskUsage> diskUsage();
}
