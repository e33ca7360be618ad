package dev.berth.registry;

import dev.berth.image.ImageStore;
import dev.berth.image.Platform;

import java.io.IOException;
import java.nio.file.Path;

/** Pulls, pushes and logins, sharing one registry client (its tokens) and what is known of where layers are. */
public record Distribution(ImagePuller puller, ImagePusher pusher, RegistryClient registry) {

    /**
     * @param root the daemon's --root, where the layers' registry locations are kept
     * @param insecureRegistries registries spoken to without TLS verification (besides loopback)
     * @param certsDir per-registry CAs and client certificates ({@code <host[:port]>/} directories)
     * @param mirrors Docker Hub mirrors, tried first
     */
    public static Distribution open(ImageStore images, Path root, Platform platform, java.util.List<String> insecureRegistries,
                                    Path certsDir, java.util.List<String> mirrors) throws IOException {
        RegistryClient client = new RegistryClient(insecureRegistries, certsDir, mirrors);
        DistributionMetadata metadata = new DistributionMetadata(root.resolve("image").resolve("distribution.json"));
        return new Distribution(new ImagePuller(images, client, metadata, platform), new ImagePusher(images, client, metadata), client);
    }
}
