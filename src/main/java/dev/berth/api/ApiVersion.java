package dev.berth.api;

import dev.berth.errors.EngineException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Docker API version such as 1.41, as in the {@code /v1.41/...} prefix. */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {

    public static final ApiVersion MIN = new ApiVersion(1, 24);
    public static final ApiVersion MAX = new ApiVersion(1, 47);

    private static final Pattern FORMAT = Pattern.compile("(\\d{1,4})(?:\\.(\\d{1,4}))?");

    public static ApiVersion parse(String text) {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw EngineException.invalid("invalid API version \"" + text + "\"");
        }
        return new ApiVersion(Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
    }

    /** The version of this request: its {@code /vN.NN} prefix, else the newest. */
    public static ApiVersion of(io.vertx.ext.web.RoutingContext ctx) {
        ApiVersion v = ctx.get(ApiVersionPrefix.VERSION_KEY);
        return v == null ? MAX : v;
    }

    /** The newest version docker-compose 1.x was made against (dockerd 20.10): see {@link #forClient}. */
    static final ApiVersion COMPOSE_V1 = new ApiVersion(1, 41);

    /**
     * The version a request is answered in. docker-compose 1.x negotiates the daemon's newest version but
     * reads shapes that API 1.45 dropped ({@code ContainerConfig} on every recreate), so it is answered as
     * dockerd 20.10 answered it; it names itself in its User-Agent ({@code docker-compose/1.29.2 docker-py/...}).
     */
    static ApiVersion forClient(ApiVersion asked, String userAgent) {
        return userAgent != null && userAgent.startsWith("docker-compose/1.") && asked.compareTo(COMPOSE_V1) > 0 ? COMPOSE_V1 : asked;
    }

    public boolean before(int major, int minor) {
        return compareTo(new ApiVersion(major, minor)) < 0;
    }

    /** The version a client asked for, or a 400 naming the supported range. */
    public static ApiVersion requested(String text) {
        ApiVersion v = parse(text);
        if (v.compareTo(MIN) < 0) {
            throw EngineException.invalid("client version " + v + " is too old. Minimum supported API version is " + MIN
                    + " (Berth serves " + MIN + " to " + MAX + "), please upgrade your client to a newer version");
        }
        if (v.compareTo(MAX) > 0) {
            throw EngineException.invalid("client version " + v + " is too new. Maximum supported API version is " + MAX
                    + " (Berth serves " + MIN + " to " + MAX + ")");
        }
        return v;
    }

    @Override
    public int compareTo(ApiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
