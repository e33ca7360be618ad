package dev.berth.build;

import dev.berth.container.Containers;
import dev.berth.container.config.ContainerCreate;
import dev.berth.files.ContainerFiles;
import dev.berth.files.PathStat;
import dev.berth.host.Gzip;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What COPY and ADD copy, as one tar whose entries are named where they go in the image (from {@code /}):
 * files of the build context (globs, never outside the context; the client has left out what {@code .dockerignore}
 * excludes, as dockerd expects it to; ADD unpacks
 * local tar archives), or of another stage's or image's filesystem ({@code --from}).
 */
abstract class CopySources {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    /** Writes the sources' entries, named under {@code dest}. */
    abstract void write(List<String> sources, String dest, boolean destIsDir, boolean add, String chmod, OutputStream out) throws IOException;

    static CopySources fromContext(Path context) {
        return new FromContext(context);
    }

    static CopySources fromImage(String imageId, Containers containers, List<String> made) {
        return new FromImage(imageId, containers, made);
    }

    static TarArchiveOutputStream tar(OutputStream out) {
        TarArchiveOutputStream t = new TarArchiveOutputStream(out, "UTF-8");
        t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        return t;
    }

    /** {@code dest} without its leading slash, and the name of {@code rel} under it. */
    static String under(String dest, String rel) {
        String d = dest.replaceAll("^/+", "").replaceAll("/+$", "");
        return rel.isEmpty() ? d : d.isEmpty() ? rel : d + "/" + rel;
    }

    static int mode(String chmod, int mode) {
        if (chmod == null) {
            return mode;
        }
        if (!chmod.matches("[0-7]{3,4}")) {
            throw new BuildFailure("invalid --chmod " + chmod + ": an octal mode is expected", 1);
        }
        return Integer.parseInt(chmod, 8);
    }

    private static final class FromContext extends CopySources {
        private final Path context;

        FromContext(Path context) {
            this.context = context;
        }

        @Override
        void write(List<String> sources, String dest, boolean destIsDir, boolean add, String chmod, OutputStream out) throws IOException {
            List<String> matched = new ArrayList<>();
            List<Path> downloaded = new ArrayList<>();
            for (String src : sources) {
                if (src.matches("(?i)https?://.*")) {
                    if (!add) {
                        throw new BuildFailure("COPY takes files of the context, not URLs (" + src + "): use ADD", 1);
                    }
                    downloaded.add(download(src));
                    continue;
                }
                String rel = clean(src);
                List<String> found = rel.matches(".*[*?\\[].*") ? glob(rel) : inContext(rel);
                if (found.isEmpty()) {
                    throw new BuildFailure("COPY failed: file not found in build context or excluded by .dockerignore: stat " + src
                            + ": file does not exist", 1);
                }
                matched.addAll(found);
            }
            boolean intoDir = destIsDir || matched.size() + downloaded.size() > 1;
            try (TarArchiveOutputStream t = tar(out)) {
                for (Path d : downloaded) {
                    entry(t, d, intoDir ? under(dest, d.getFileName().toString()) : under(dest, ""), chmod);
                }
                for (String rel : matched) {
                    Path p = rel.isEmpty() ? context : context.resolve(rel);
                    if (Files.isDirectory(p, NOFOLLOW)) {
                        entry(t, p, under(dest, ""), chmod);
                        tree(t, p, rel, under(dest, ""), chmod);
                    } else if (add && isArchive(p)) {
                        unpack(t, p, dest);
                    } else {
                        String name = intoDir ? under(dest, p.getFileName().toString()) : under(dest, "");
                        entry(t, p, name, chmod);
                    }
                }
            }
        }

        /**
         * ADD of a URL: the file fetched by the daemon (through the proxies it is configured with), named as the
         * URL's last path component, mode 0600 and the server's Last-Modified time, as dockerd does.
         */
        private Path download(String url) throws IOException {
            java.net.URI uri = java.net.URI.create(url);
            String name = Path.of(uri.getPath().isEmpty() ? "/index.html" : uri.getPath()).getFileName() == null ? "index.html"
                    : Path.of(uri.getPath()).getFileName().toString();
            Path dir = Files.createDirectories(context.resolveSibling("downloads").resolve(Integer.toString(url.hashCode() & 0x7fffffff)));
            Path file = dir.resolve(name);
            try (java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                    .followRedirects(java.net.http.HttpClient.Redirect.NORMAL).connectTimeout(java.time.Duration.ofSeconds(30)).build()) {
                var response = http.send(java.net.http.HttpRequest.newBuilder(uri).timeout(java.time.Duration.ofMinutes(10)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofFile(file));
                if (response.statusCode() != 200) {
                    throw new BuildFailure("ADD " + url + ": the server answered HTTP " + response.statusCode(), 1);
                }
                response.headers().firstValue("Last-Modified").ifPresent(lm -> {
                    try {
                        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(
                                java.time.ZonedDateTime.parse(lm, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()));
                    } catch (IOException | java.time.DateTimeException ignored) {
                        // the download's own time stays
                    }
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while downloading " + url, e);
            } catch (java.net.ConnectException e) {
                throw new BuildFailure("ADD " + url + ": cannot connect to " + uri.getHost(), 1);
            }
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            return file;
        }

        /**
         * A source named without wildcards: its symlinks resolved inside the context, as a chroot would, so a
         * link in the context (to /etc, say) never leads a COPY to a host file. Empty when there is none.
         */
        private List<String> inContext(String rel) throws IOException {
            Path resolved = dev.berth.rootfs.ScopedPath.resolve(context, rel);
            if (!Files.exists(resolved, NOFOLLOW)) {
                return List.of();
            }
            return List.of(context.relativize(resolved).toString());
        }

        /** A source path cleaned and kept inside the context. */
        private String clean(String src) {
            List<String> parts = new ArrayList<>();
            for (String s : src.split("/")) {
                if (s.isEmpty() || s.equals(".")) {
                    continue;
                }
                if (s.equals("..")) {
                    if (parts.isEmpty()) {
                        throw new BuildFailure("COPY failed: forbidden path outside the build context: " + src, 1);
                    }
                    parts.removeLast();
                } else {
                    parts.add(s);
                }
            }
            return String.join("/", parts);
        }

        private List<String> glob(String pattern) throws IOException {
            Glob p = Glob.compile(pattern);
            try (Stream<Path> all = Files.walk(context)) {
                return all.map(f -> context.relativize(f).toString()).filter(f -> !f.isEmpty() && p.matches(f)).sorted().toList();
            }
        }

        /** The entries under a context directory ({@code rel} in the context), named under {@code prefix} in the image. */
        private void tree(TarArchiveOutputStream t, Path dir, String rel, String prefix, String chmod) throws IOException {
            List<Path> children;
            try (Stream<Path> s = Files.list(dir)) {
                children = s.sorted().toList();
            }
            for (Path c : children) {
                String childRel = rel.isEmpty() ? c.getFileName().toString() : rel + "/" + c.getFileName();
                String name = prefix.isEmpty() ? c.getFileName().toString() : prefix + "/" + c.getFileName();
                entry(t, c, name, chmod);
                if (Files.isDirectory(c, NOFOLLOW)) {
                    tree(t, c, childRel, name, chmod);
                }
            }
        }

        private static void entry(TarArchiveOutputStream t, Path p, String name, String chmod) throws IOException {
            if (name.isEmpty()) {
                return;     // the root itself: it is there
            }
            int mode = (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW);
            TarArchiveEntry e;
            if (Files.isSymbolicLink(p)) {
                e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
                e.setLinkName(Files.readSymbolicLink(p).toString());
            } else if (Files.isDirectory(p, NOFOLLOW)) {
                e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
                e.setMode(mode(chmod, mode & 07777));
            } else if (Files.isRegularFile(p, NOFOLLOW)) {
                e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
                e.setSize(Files.size(p));
                e.setMode(mode(chmod, mode & 07777));
            } else {
                return;     // devices, sockets, FIFOs of a context are not copied
            }
            e.setModTime(Files.getLastModifiedTime(p, NOFOLLOW));
            t.putArchiveEntry(e);
            if (e.getLinkFlag() == TarConstants.LF_NORMAL) {
                try (InputStream in = Files.newInputStream(p, NOFOLLOW)) {
                    in.transferTo(t);
                }
            }
            t.closeArchiveEntry();
        }

        private static boolean isArchive(Path p) throws IOException {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(p, NOFOLLOW))) {
                byte[] head = in.readNBytes(512);
                if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
                    return true;
                }
                return head.length == 512 && new String(head, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar");
            }
        }

        /** ADD of a local tar archive (plain or gzip): its entries, under {@code dest}. */
        private static void unpack(TarArchiveOutputStream t, Path archive, String dest) throws IOException {
            try (TarArchiveInputStream in = new TarArchiveInputStream(Gzip.maybeCompressed(Files.newInputStream(archive)), "UTF-8")) {
                for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    String name = e.getName().replaceAll("^(\\./)+", "").replaceAll("^/+", "");
                    if (name.isEmpty() || name.equals(".") || name.equals("./")) {
                        continue;
                    }
                    if (("/" + name).contains("/../")) {
                        throw new BuildFailure("ADD " + archive.getFileName() + ": the entry " + e.getName() + " would leave the destination", 1);
                    }
                    e.setName(under(dest, name));
                    t.putArchiveEntry(e);
                    if (e.getLinkFlag() == TarConstants.LF_NORMAL || e.getLinkFlag() == TarConstants.LF_OLDNORM) {
                        in.transferTo(t);
                    }
                    t.closeArchiveEntry();
                }
            }
        }
    }

    private static final class FromImage extends CopySources {
        private final String imageId;
        private final Containers containers;
        private final List<String> made;

        FromImage(String imageId, Containers containers, List<String> made) {
            this.imageId = imageId;
            this.containers = containers;
            this.made = made;
        }

        @Override
        void write(List<String> sources, String dest, boolean destIsDir, boolean add, String chmod, OutputStream out) throws IOException {
            String id = containers.lifecycle().create(ContainerCreate.forFiles(imageId, "#(nop) COPY --from")).container().id();
            made.add(id);
            List<String> paths = new ArrayList<>();
            for (String src : sources) {
                String abs = src.startsWith("/") ? src : "/" + src;
                if (!abs.matches(".*[*?\\[].*")) {
                    paths.add(abs);
                    continue;
                }
                // a wildcard: matched against the image's files (a created container of ours, so nothing moves meanwhile)
                Glob p = Glob.compile(abs.substring(1));
                List<String> found = containers.content().files(id, false, null, view -> {
                    try (Stream<Path> all = Files.walk(view.root())) {
                        return all.map(f -> view.root().relativize(f).toString()).filter(f -> !f.isEmpty() && p.matches(f))
                                .sorted().map(f -> "/" + f).toList();
                    }
                });
                if (found.isEmpty()) {
                    throw new BuildFailure("COPY failed: no source files were specified: " + src + " matches nothing in the image", 1);
                }
                paths.addAll(found);
            }
            boolean intoDir = destIsDir || paths.size() > 1;
            try (TarArchiveOutputStream t = tar(out)) {
                for (String src : paths) {
                    Path part = Files.createTempFile("berth-copy-", ".tar");
                    try {
                        PathStat[] stat = new PathStat[1];
                        try {
                            containers.content().files(id, false, null, view -> {
                                ContainerFiles.archive(view, src, s -> {
                                    stat[0] = s;
                                    try {
                                        return Files.newOutputStream(part);
                                    } catch (IOException e) {
                                        throw new java.io.UncheckedIOException(e);
                                    }
                                });
                                return null;
                            });
                        } catch (dev.berth.errors.EngineException missing) {
                            throw new BuildFailure("COPY failed: " + missing.getMessage(), 1);
                        }
                        String top = stat[0].name();
                        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(part), "UTF-8")) {
                            Boolean prefixed = null;    // entries named under the source's own name, or relative to it (/out/., /)
                            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                                String name = e.getName().replaceAll("^(\\./|/)+", "").replaceAll("/+$", "");
                                if (prefixed == null) {
                                    prefixed = name.equals(top);
                                }
                                String rest = name.isEmpty() || name.equals(".") || name.equals(top) && prefixed ? ""
                                        : prefixed && name.startsWith(top + "/") ? name.substring(top.length() + 1) : name;
                                String target;
                                if (stat[0].isDirectory()) {
                                    target = under(dest, rest);
                                } else {
                                    target = intoDir ? under(dest, top) : under(dest, "");
                                }
                                if (target.isEmpty()) {
                                    continue;
                                }
                                e.setName(e.isDirectory() ? target + "/" : target);
                                if (!e.isSymbolicLink()) {
                                    e.setMode(mode(chmod, e.getMode()));
                                }
                                t.putArchiveEntry(e);
                                if (e.getLinkFlag() == TarConstants.LF_NORMAL || e.getLinkFlag() == TarConstants.LF_OLDNORM) {
                                    in.transferTo(t);
                                }
                                t.closeArchiveEntry();
                            }
                        }
                    } finally {
                        Files.deleteIfExists(part);
                    }
                }
            }
        }
    }
}
