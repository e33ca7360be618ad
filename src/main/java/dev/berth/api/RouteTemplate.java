package dev.berth.api;

import io.vertx.core.http.HttpMethod;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One route in OpenAPI form ({@code POST /containers/{id}/attach}). {@code {name}} spans slashes, as
 * image names do ({@code /images/localhost:5000/x/y:1/json}); every other parameter is one segment.
 */
public record RouteTemplate(HttpMethod method, String template) {

    private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z]+)}");

    /** The template as an anchored regex with one named group per parameter. */
    public String regex() {
        StringBuilder sb = new StringBuilder("^");
        Matcher m = PARAM.matcher(template);
        int last = 0;
        while (m.find()) {
            sb.append(Pattern.quote(template.substring(last, m.start())));
            sb.append("(?<").append(m.group(1)).append('>').append(m.group(1).equals("name") ? ".+" : "[^/]+").append(')');
            last = m.end();
        }
        return sb.append(Pattern.quote(template.substring(last))).append('$').toString();
    }

    @Override
    public String toString() {
        return method.name() + " " + template;
    }
}
