package dev.berth.testing;

import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The routes api-spec/berth-api.yaml documents, as "METHOD /template". */
public final class ApiSpec {

    private static final Set<String> METHODS = Set.of("get", "head", "post", "put", "delete", "patch");

    private ApiSpec() {}

    @SuppressWarnings("unchecked")
    public static Set<String> routes() throws IOException {
        try (Reader r = Files.newBufferedReader(BerthDaemon.repo().resolve("api-spec/berth-api.yaml"))) {
            Map<String, Object> doc = new Yaml().load(r);
            Set<String> out = new TreeSet<>();
            ((Map<String, Map<String, Object>>) doc.get("paths")).forEach((path, ops) -> ops.keySet().stream()
                    .filter(METHODS::contains)
                    .forEach(m -> out.add(m.toUpperCase(Locale.ROOT) + " " + path)));
            return out;
        }
    }
}
