package dev.berth.image;

import java.time.Instant;
import java.util.List;

/** An image in the store: its config, the names that point at it, and its unpacked size. */
public record Image(ImageConfig config, List<ImageReference> tags, long size, Instant lastTagged) {

    public Digest id() {
        return config.id();
    }

    public boolean dangling() {
        return tags.isEmpty();
    }
}
