package dev.berth.image;

import dev.berth.errors.EngineException;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An OCI platform, {@code os/architecture[/variant]}, as clients name it: the architecture's other spellings
 * ({@code x86_64}, {@code aarch64}) are normalised as containerd's platforms package does (arm64's v8 is
 * no variant), and an empty variant matches any.
 */
public record Platform(String os, String architecture, String variant) {

    private static final Pattern COMPONENT = Pattern.compile("^[A-Za-z0-9_.-]+$");
    private static final Set<String> KNOWN_OS = Set.of("aix", "android", "darwin", "dragonfly", "freebsd", "hurd",
            "illumos", "ios", "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "windows", "zos");
    private static final Set<String> KNOWN_ARCH = Set.of("386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be",
            "loong64", "mips", "mipsle", "mips64", "mips64le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x",
            "sparc", "sparc64", "wasm");

    /**
     * What the text names, as containerd's platforms.Parse reads it (a lone OS takes the default's
     * architecture, a lone architecture the default's OS); the default when it is empty. A bad one is a 400
     * with containerd's message.
     */
    public static Platform parse(String text, Platform dflt) {
        if (text == null || text.isBlank()) {
            return dflt;
        }
        String[] p = text.split("/", 4);
        for (String part : p) {
            if (!COMPONENT.matcher(part).matches()) {
                throw invalid("\"" + part + "\" is an invalid component of \"" + text
                        + "\": platform specifier component must match \"" + COMPONENT.pattern() + "\"");
            }
        }
        String os = p[0].toLowerCase(Locale.ROOT);
        return switch (p.length) {
            case 1 -> {
                if (KNOWN_OS.contains(os)) {
                    yield new Platform(os, dflt.architecture, dflt.variant);
                }
                Platform arch = arch(dflt.os, os, "");
                if (!KNOWN_ARCH.contains(arch.architecture)) {
                    throw invalid("\"" + text + "\": unknown operating system or architecture");
                }
                yield arch;
            }
            case 2 -> arch(os, p[1], "");
            case 3 -> arch(os, p[1], p[2]);
            default -> throw invalid("\"" + text + "\": cannot parse platform specifier");
        };
    }

    /** The architecture's other spellings as containerd normalises them. */
    private static Platform arch(String os, String architecture, String variant) {
        String a = architecture.toLowerCase(Locale.ROOT);
        String v = variant.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "i386", "i686" -> new Platform(os, "386", "");
            case "x86_64", "x86-64", "amd64" -> new Platform(os, "amd64", v.equals("v1") ? "" : v);
            case "aarch64", "arm64" -> new Platform(os, "arm64", v.equals("8") || v.equals("v8") ? "" : v);
            default -> new Platform(os, a, v);
        };
    }

    private static EngineException invalid(String message) {
        return EngineException.invalid(message + ": invalid argument");
    }

    /** This machine's: what the JVM runs on. */
    public static Platform host() {
        return arch("linux", System.getProperty("os.arch"), "");
    }

    /** The platform an image's config says it is for. */
    public static Platform of(ImageConfig config) {
        return new Platform(config.os(), config.architecture(), config.json().path("variant").asText(""));
    }

    /** Whether an image for {@code other} serves this platform. */
    public boolean matches(Platform other) {
        return os.equals(other.os) && architecture.equals(other.architecture) && (variant.isEmpty() || variant.equals(other.variant));
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
    }
}
