package dev.berth.container;

import dev.berth.errors.EngineException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The containers the daemon knows, by id and name, kept in memory and saved on every change. Its lock
 * guards only the map: names are checked and taken under it (parallel creates of one name give one
 * container), and saves happen after it is released, so a slow disk stalls no lookup.
 */
final class ContainerIndex {

    private static final Logger LOG = Logger.getLogger(ContainerIndex.class.getName());
    private static final Pattern NAME = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]+");

    private final ContainerStore store;
    private final Map<String, Container> containers = new LinkedHashMap<>();

    ContainerIndex(Path root) throws IOException {
        this.store = new ContainerStore(root);
        for (Container c : store.loadAll()) {
            containers.put(c.id(), c);
        }
    }

    /** By full id, name (with or without its slash) or unique id prefix; else 404. */
    synchronized Container get(String ref) {
        String r = ref.startsWith("/") ? ref.substring(1) : ref;
        Container exact = containers.get(r);
        if (exact != null) {
            return exact;
        }
        for (Container c : containers.values()) {
            if (c.name().equals(r)) {
                return c;
            }
        }
        List<Container> byPrefix = containers.values().stream().filter(c -> c.id().startsWith(r)).toList();
        if (byPrefix.size() == 1 && !r.isEmpty()) {
            return byPrefix.getFirst();
        }
        if (byPrefix.size() > 1) {
            throw EngineException.invalid("multiple IDs found with provided prefix: " + r);
        }
        throw EngineException.notFound("No such container: " + ref);
    }

    /** The container with exactly this id as it is now, or null once removed. */
    synchronized Container find(String id) {
        return containers.get(id);
    }

    /** Newest first. */
    synchronized List<Container> list() {
        List<Container> out = new ArrayList<>(containers.values());
        out.sort(Comparator.comparing(Container::created).reversed());
        return out;
    }

    /** A container made from the image, a running one first. */
    synchronized Optional<Container> userOf(String imageId) {
        List<Container> users = containers.values().stream().filter(c -> c.imageId().equals(imageId)).toList();
        return users.stream().filter(c -> c.state().running() || c.state().restarting()).findFirst().or(() -> users.stream().findFirst());
    }

    synchronized java.util.Set<String> imageIds() {
        return containers.values().stream().map(Container::imageId).collect(java.util.stream.Collectors.toSet());
    }

    /**
     * Takes the name ({@code requested}, or a generated one) and adds the container that {@code make}
     * builds with it, then saves it; a taken or malformed name is refused.
     */
    Container add(String id, String requested, java.util.function.Function<String, Container> make) throws IOException {
        Container c;
        synchronized (this) {
            c = make.apply(freeName(requested));
            containers.put(id, c);      // the name is taken from now on
        }
        try {
            persist(id);
        } catch (IOException e) {
            synchronized (this) {
                containers.remove(id);
            }
            throw e;
        }
        return c;
    }

    void rename(String id, String requested) {
        synchronized (this) {
            String name = freeName(requested);
            containers.computeIfPresent(id, (k, x) -> x.withName(name));
        }
        save(id);
    }

    /** Changes the container in memory, then saves it outside the lock; answers it changed, null when it is gone. */
    Container update(String id, UnaryOperator<Container> change) {
        Container changed;
        synchronized (this) {
            Container c = containers.get(id);
            if (c == null) {
                return null;
            }
            changed = change.apply(c);
            containers.put(id, changed);
        }
        save(id);
        return changed;
    }

    /** Forgets the container and deletes its files; the removed container, or null when it was gone. */
    Container remove(String id) throws IOException {
        Container c;
        synchronized (this) {
            c = containers.remove(id);
        }
        persist(id);
        return c;
    }

    /** Where the container's own files live (hostname, hosts, resolv.conf, its state). */
    Path dir(String id) {
        return store.dir(id);
    }

    private void save(String id) {
        try {
            persist(id);
        } catch (IOException e) {
            LOG.log(Level.SEVERE, "cannot save container " + id + ": " + e.getMessage(), e);
        }
    }

    /** Writes the container's newest state (or, once it is removed, deletes its files). */
    private void persist(String id) throws IOException {
        store.save(id, () -> find(id));
    }

    private String freeName(String requested) {
        if (requested == null || requested.isEmpty()) {
            String generated;
            do {
                generated = NameGenerator.next();
            } while (nameOwner(generated) != null);
            return generated;
        }
        if (!NAME.matcher(requested).matches()) {
            throw EngineException.invalid("Invalid container name (" + requested + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        String name = requested.startsWith("/") ? requested.substring(1) : requested;
        String owner = nameOwner(name);
        if (owner != null) {
            throw EngineException.conflict("Conflict. The container name \"/" + name + "\" is already in use by container \""
                    + owner + "\". You have to remove (or rename) that container to be able to reuse that name.");
        }
        return name;
    }

    private String nameOwner(String name) {
        return containers.values().stream().filter(c -> c.name().equals(name)).map(Container::id).findFirst().orElse(null);
    }
}
