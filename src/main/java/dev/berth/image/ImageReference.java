package dev.berth.image;

import dev.berth.errors.EngineException;

import java.util.regex.Pattern;

/**
 * A Docker image reference, normalised as Docker does: {@code busybox} = {@code busybox:latest} =
 * {@code docker.io/library/busybox:latest}; {@code localhost:5000/x:1}; {@code name@sha256:...}.
 *
 * @param domain the registry, {@code docker.io} when none is named
 * @param path   the repository path, with {@code library/} for official Docker Hub images
 * @param tag    the tag, or {@code null} for a digest reference
 * @param digest the digest, or {@code null} for a tag reference
 */
public record ImageReference(String domain, String path, String tag, Digest digest) {

    public static final String DOCKER_HUB = "docker.io";

    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DOMAIN = Pattern.compile("(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?");

    /** Parses a name; a reference without tag or digest gets {@code latest}. */
    public static ImageReference parse(String text) {
        return parse(text, "latest");
    }

    /** Parses a repository name with an optional tag/digest; {@code defaultTag} (may be null) fills in. */
    public static ImageReference parse(String text, String defaultTag) {
        String rest = text;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = Digest.parse(rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw invalid(text);
            }
        }
        String domain = DOCKER_HUB;
        String path = rest;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost") || !first.equals(first.toLowerCase())) {
                domain = first;
                path = rest.substring(slash + 1);
            }
        }
        if (domain.equals("index.docker.io")) {
            domain = DOCKER_HUB;
        }
        if (!DOMAIN.matcher(domain).matches() || path.isEmpty() || path.length() > 255) {
            throw invalid(text);
        }
        for (String component : path.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw invalid(text);
            }
        }
        if (domain.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        if (tag == null && digest == null) {
            tag = defaultTag;
        }
        return new ImageReference(domain, path, tag, digest);
    }

    private static EngineException invalid(String text) {
        return EngineException.invalid("invalid reference format: \"" + text + "\" is not a valid image name");
    }

    /** {@code docker.io/library/busybox}. */
    public String repository() {
        return domain + "/" + path;
    }

    /** The repository as the docker CLI shows it: {@code busybox}, {@code someone/app}, {@code localhost:5000/x}. */
    public String familiarRepository() {
        if (!domain.equals(DOCKER_HUB)) {
            return repository();
        }
        return path.startsWith("library/") ? path.substring("library/".length()) : path;
    }

    /** The full normalised form, the key of the reference index. */
    @Override
    public String toString() {
        return repository() + suffix();
    }

    /** {@code busybox:latest}, as {@code docker images} and inspect's RepoTags show it. */
    public String familiar() {
        return familiarRepository() + suffix();
    }

    /** With the {@code tag} query parameter applied: it wins when given; otherwise a bare name gets latest. */
    public ImageReference tagged(String tagParam) {
        if (tagParam != null && !tagParam.isEmpty()) {
            if (!TAG.matcher(tagParam).matches()) {
                throw EngineException.invalid("invalid tag format: \"" + tagParam + "\"");
            }
            return new ImageReference(domain, path, tagParam, null);
        }
        return tag == null && digest == null ? new ImageReference(domain, path, "latest", null) : this;
    }

    private String suffix() {
        return (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
