package dev.berth.image;

import dev.berth.errors.EngineException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code docker rmi} and {@code docker image prune} over the store's index, with dockerd's rules for what
 * may go and what must be forced. Works under the store's monitor; garbage collection runs after it.
 */
final class ImageRemoval {

    private final ImageStore store;
    private final ImageIndex index;

    ImageRemoval(ImageStore store, ImageIndex index) {
        this.store = store;
        this.index = index;
    }

    Images.Removal remove(String nameOrId, boolean force, boolean prune) throws IOException {
        Images.Removal r;
        synchronized (store) {
            Digest id = store.resolve(nameOrId);
            List<String> untagged = new ArrayList<>();
            boolean byName = !id.toString().startsWith(nameOrId) && !id.hex().startsWith(nameOrId);
            if (byName) {
                ImageReference ref = ImageReference.parse(nameOrId);
                if (!force && singleReference(refsOf(id))) {
                    store.users().of(id).ifPresent(u -> {
                        throw EngineException.conflict("conflict: unable to remove repository reference \"" + nameOrId
                                + "\" (must force) - container " + u.containerId().substring(0, 12)
                                + " is using its referenced image " + id.shortHex());
                    });
                }
                String key = ref.toString();
                if (index.refs().remove(key) == null) {
                    throw EngineException.notFound("No such image: " + nameOrId);
                }
                untagged.add(ref.familiar());
                // the digests it was pulled by under that repository go with its last tag there
                List<String> rest = refsOf(id);
                if (ref.digest() == null && rest.stream().map(ImageReference::parse)
                        .noneMatch(o -> o.digest() == null && o.repository().equals(ref.repository()))) {
                    for (String other : rest) {
                        ImageReference o = ImageReference.parse(other);
                        if (o.digest() != null && o.repository().equals(ref.repository())) {
                            index.refs().remove(other);
                            untagged.add(o.familiar());
                        }
                    }
                }
                if (!refsOf(id).isEmpty()) {
                    return saved(new Images.Removal(untagged, List.of()), id);
                }
            } else if (singleReference(refsOf(id))) {
                deleteConflict(id, force, false).ifPresent(conflict -> {
                    throw EngineException.conflict(conflict.message());
                });
                for (String n : refsOf(id)) {
                    index.refs().remove(n);
                    untagged.add(ImageReference.parse(n).familiar());
                }
            }
            var conflict = deleteConflict(id, force, true);
            if (conflict.isPresent()) {
                // untagged by its last name: the image stays for what holds it, as dockerd leaves it
                if (byName && (hasChildren(id) || conflict.get().used())) {
                    return saved(new Images.Removal(untagged, List.of()), id);
                }
                throw EngineException.conflict(conflict.get().message());
            }
            for (String n : refsOf(id)) {
                index.refs().remove(n);
                untagged.add(ImageReference.parse(n).familiar());
            }
            List<Digest> deleted = new ArrayList<>();
            deleteChain(id, deleted, prune);
            r = saved(new Images.Removal(untagged, deleted), id);
        }
        store.collectGarbage();
        return r;
    }

    private record Conflict(String message, boolean used) {}

    /** What keeps an image from being deleted, as moby checks it: the soft reasons only without force. */
    private Optional<Conflict> deleteConflict(Digest id, boolean force, boolean otherNames) {
        String prefix = "conflict: unable to delete " + id.shortHex();
        if (hasChildren(id)) {
            return Optional.of(new Conflict(prefix + " (cannot be forced) - image has dependent child images", false));
        }
        Optional<ImageUsers.User> user = store.users().of(id);
        if (user.isPresent() && user.get().running()) {
            return Optional.of(new Conflict(prefix + " (cannot be forced) - image is being used by running container "
                    + user.get().containerId().substring(0, 12), true));
        }
        if (force) {
            return Optional.empty();
        }
        if (otherNames && !refsOf(id).isEmpty()) {
            return Optional.of(new Conflict(prefix + " (must be forced) - image is referenced in multiple repositories", false));
        }
        return user.map(u -> new Conflict(prefix + " (must be forced) - image is being used by stopped container "
                + u.containerId().substring(0, 12), true));
    }

    /** moby's isSingleReference: one tag, and perhaps digests of that same repository. */
    private static boolean singleReference(List<String> refs) {
        if (refs.size() <= 1) {
            return refs.size() == 1;
        }
        List<ImageReference> parsed = refs.stream().map(ImageReference::parse).toList();
        List<ImageReference> tags = parsed.stream().filter(p -> p.digest() == null).toList();
        Set<String> digestRepos = parsed.stream().filter(p -> p.digest() != null).map(ImageReference::repository)
                .collect(Collectors.toSet());
        if (tags.size() > 1) {
            return false;
        }
        String single = (tags.isEmpty() ? parsed.getFirst() : tags.getFirst()).repository();
        return digestRepos.size() == 1 && digestRepos.contains(single);
    }

    private List<String> refsOf(Digest id) {
        return index.refs().entrySet().stream().filter(e -> e.getValue().equals(id)).map(Map.Entry::getKey).toList();
    }

    /** Saves the index and reports what a removal did. */
    private Images.Removal saved(Images.Removal r, Digest id) throws IOException {
        index.save();
        r.untagged().forEach(n -> store.report("untag", id.toString(), n));
        r.deleted().forEach(d -> store.report("delete", d.toString(), null));
        return r;
    }

    /** {@code docker image prune}: dangling images, or with {@code all} every image. */
    Images.Pruned prune(boolean all, Predicate<Image> filter) throws IOException {
        List<Digest> deleted = new ArrayList<>();
        List<String> untagged = new ArrayList<>();
        long before = store.diskUsage();
        synchronized (store) {
            // leaves first, until no more match: with -a, removing an image may leave the one it was made on a leaf
            for (boolean more = true; more; ) {
                more = false;
                for (Image i : store.list()) {
                    if (index.images().containsKey(i.id()) && (all ? !i.hasChildren() : i.dangling()) && filter.test(i)
                            && store.users().of(i.id()).isEmpty()) {
                        i.tags().forEach(t -> {
                            index.refs().remove(t.toString());
                            untagged.add(t.familiar());
                        });
                        deleteChain(i.id(), deleted, true);
                        more = true;
                    }
                }
            }
            index.refs().values().removeIf(id -> !index.images().containsKey(id));     // the repository digests
            index.save();
        }
        // Outside the monitor: collection waits for loads in flight, and they need the monitor to finish.
        store.collectGarbage();
        long reclaimed = Math.max(0, before - store.diskUsage());
        return new Images.Pruned(deleted, untagged, reclaimed);
    }

    /**
     * Forgets an image, and the unnamed images it was made on that nothing else needs (no name, no other
     * child, no container), as dockerd removes a build's intermediate images with its result. Holding the monitor.
     */
    private void deleteChain(Digest id, List<Digest> deleted, boolean prune) {
        for (Digest d = id; ; ) {
            deleted.add(d);
            String parent = index.images().remove(d).parent();
            if (parent == null || !prune) {
                return;
            }
            Digest p = Digest.parse(parent);
            if (!index.images().containsKey(p) || index.refs().containsValue(p) || hasChildren(p) || store.users().of(p).isPresent()) {
                return;
            }
            d = p;
        }
    }

    private boolean hasChildren(Digest id) {
        String text = id.toString();
        return index.images().values().stream().anyMatch(e -> text.equals(e.parent()));
    }
}
