package dev.berth.build;

import dev.berth.container.config.ResourceUpdate;
import dev.berth.image.Digest;
import dev.berth.image.ImageReference;
import dev.berth.image.Platform;
import dev.berth.registry.Credentials;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/** Classic builds as the API reaches them ({@code POST /build}). Blocking: call off the event loop. */
public interface Builds {

    /** Where the build's messages go: step lines and RUN output ({@code stream}), and each stage's image ({@code aux}). */
    interface Output {
        void stream(String text) throws IOException;

        void aux(String imageId) throws IOException;

        /** The build's image, after its last {@link #aux}: what a quiet build shows. */
        default void built(String imageId) throws IOException {
        }

        /** Whether the client that asked for the build has gone: the build stops (a quiet one writes nothing to notice it by). */
        default boolean clientGone() {
            return false;
        }
    }

    /** What the client asked for (the query of {@code POST /build}). */
    record Request(String dockerfile, List<ImageReference> tags, Map<String, String> buildArgs, Map<String, String> labels,
                          String target, boolean noCache, boolean pull, boolean quiet, String networkMode, List<String> extraHosts,
                          long shmSize, ResourceUpdate limits, Platform platform, Removal removal,
                          List<String> cacheFrom, Map<String, Credentials> registryAuth) {}

    /**
     * What happens to the containers of RUN steps, as dockerd's {@code rm} and {@code forcerm}: each goes once
     * its step succeeded ({@code rm}, the default), and the failing step's one stays for a look unless
     * {@code forcerm}. The containers a build makes to reach files go in any case.
     */
    record Removal(boolean afterSuccess, boolean afterFailure) {}

    /** The platform builds are for: the daemon's own. */
    Platform platform();

    /** Runs the build from a context tar, pulling missing base images; answers the id of the image made. */
    Digest build(InputStream contextTar, Request request, Output out) throws IOException;
}
