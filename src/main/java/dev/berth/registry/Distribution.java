package dev.berth.registry;

import dev.berth.image.ImageReference;
import dev.berth.image.ImageStore;
import dev.berth.image.Platform;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Pulls, pushes and logins, sharing one registry client (its tokens) and what is known of where layers are. */
public final class Distribution implements ImageTransfers {

    private final ImagePuller puller;
    private final ImagePusher pusher;
    private final RegistryClient registry;

    private Distribution(ImagePuller puller, ImagePusher pusher, RegistryClient registry) {
        this.puller = puller;
        this.pusher = pusher;
        this.registry = registry;
    }

    /**
     * @param root the daemon's --root, where the layers' registry locations are kept
     * @param insecureRegistries registries spoken to without TLS verification (besides loopback)
     * @param certsDir per-registry CAs and client certificates ({@code <host[:port]>/} directories)
     * @param mirrors Docker Hub mirrors, tried first
     */
    public static Distribution open(ImageStore images, Path root, Platform platform, List<String> insecureRegistries,
                                    Path certsDir, List<String> mirrors) throws IOException {
        RegistryClient client = new RegistryClient(insecureRegistries, certsDir, mirrors);
        DistributionMetadata metadata = new DistributionMetadata(root.resolve("image").resolve("distribution.json"));
        return new Distribution(new ImagePuller(images, client, metadata, platform), new ImagePusher(images, client, metadata), client);
    }

    @Override
    public Platform platform() {
        return puller.platform();
    }

    @Override
    public Transfer pull(ImageReference ref, Platform platform, Credentials creds) throws IOException {
        return puller.resolve(ref, platform, creds)::pull;
    }

    @Override
    public Transfer push(String repository, String tag, Credentials creds) {
        List<ImageReference> names = pusher.names(repository, tag);
        return progress -> pusher.push(names, creds, progress);
    }

    @Override
    public RemoteImage inspect(ImageReference ref, Credentials creds) throws IOException {
        return puller.inspect(ref, creds);
    }

    @Override
    public String login(String domain, Credentials creds) throws IOException {
        return registry.login(domain, creds);
    }
}
