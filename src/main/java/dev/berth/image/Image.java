package dev.berth.image;

import java.time.Instant;
import java.util.List;

/**
 * An image in the store: its config, the names that point at it ({@code repo:tag}, and {@code repo@digest}
 * for the manifests it was pulled by), and its unpacked size.
 */
public record Image(ImageConfig config, List<ImageReference> tags, List<ImageReference> repoDigests, long size, Instant lastTagged) {

    public Digest id() {
        return config.id();
    }

    /** No name at all: neither a tag nor a repository digest. */
    public boolean dangling() {
        return tags.isEmpty() && repoDigests.isEmpty();
    }
}
