package dev.berth.image;

import java.time.Instant;
import java.util.List;

/**
 * An image in the store: its config, the names that point at it ({@code repo:tag}, and {@code repo@digest}
 * for the manifests it was pulled by), its unpacked size, the image it was made on ("" for none) and whether
 * other images were made on it (a build's intermediate images: listed only with {@code -a}, never dangling).
 */
public record Image(ImageConfig config, List<ImageReference> tags, List<ImageReference> repoDigests, long size, Instant lastTagged,
                    String parent, boolean hasChildren) {

    public Digest id() {
        return config.id();
    }

    /** No name at all (neither a tag nor a repository digest) and no image made on it. */
    public boolean dangling() {
        return unnamed() && !hasChildren;
    }

    public boolean unnamed() {
        return tags.isEmpty() && repoDigests.isEmpty();
    }

    /** An unnamed image other images were made on: {@code docker images} shows it only with {@code -a}. */
    public boolean intermediate() {
        return unnamed() && hasChildren;
    }
}
