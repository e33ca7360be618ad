package dev.berth.registry;

import dev.berth.image.Digest;
import dev.berth.image.ImageReference;
import dev.berth.image.Platform;

import java.io.IOException;
import java.util.List;

/**
 * Images to and from registries ({@code docker pull}, {@code push}, {@code login}) as the API and the builder
 * reach them. A transfer is prepared first, so that what fails before anything moves (no such name, access
 * denied, no such platform) fails as a plain error; then it runs, reporting as it goes. Blocking: call off
 * the event loop.
 */
public interface ImageTransfers {

    /** A prepared transfer; running it moves what the store or the registry lacks. */
    @FunctionalInterface
    interface Transfer {
        void run(TransferEvent.Listener progress) throws IOException;
    }

    /**
     * What a registry has under a name ({@code GET /distribution/{name}/json}): its manifest's descriptor and the
     * platforms it serves (an index's entries, or the one image's config).
     */
    record RemoteImage(String mediaType, Digest digest, long size, List<Platform> platforms) {}

    /** The platform this host pulls when none is asked for. */
    Platform platform();

    /** A pull of {@code ref} for {@code platform}, its manifest resolved. */
    Transfer pull(ImageReference ref, Platform platform, Credentials creds) throws IOException;

    /** A push of the repository's tag, or of every tag it has when {@code tag} is null or empty; 404 when it has none. */
    Transfer push(String repository, String tag, Credentials creds) throws IOException;

    /** What the registry has under {@code ref}, read from it without pulling anything. */
    RemoteImage inspect(ImageReference ref, Credentials creds) throws IOException;

    /** Whether the registry takes these credentials; the identity token it gave, if any. */
    String login(String domain, Credentials creds) throws IOException;
}
