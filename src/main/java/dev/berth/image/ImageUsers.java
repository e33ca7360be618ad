package dev.berth.image;

import java.util.Optional;
import java.util.Set;

/** The containers made from images, as the image store must know them: an image in use is kept, or its content is. */
public interface ImageUsers {

    ImageUsers NONE = new ImageUsers() {
        @Override
        public Optional<User> of(Digest image) {
            return Optional.empty();
        }

        @Override
        public Set<Digest> images() {
            return Set.of();
        }
    };

    /** A container made from it, a running one first. */
    Optional<User> of(Digest image);

    /** The images containers are made from: a forced removal takes their names, never their layers. */
    Set<Digest> images();

    record User(String containerId, boolean running) {}
}
