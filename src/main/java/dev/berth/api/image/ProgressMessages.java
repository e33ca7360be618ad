package dev.berth.api.image;

import dev.berth.registry.TransferEvent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A pull's or push's events as dockerd sends them: the JSON messages the docker CLI draws its progress bars from. */
final class ProgressMessages {

    private ProgressMessages() {}

    /** The messages for one event, in order (a pushed tag is a status line, then its {@code aux}). */
    static List<Map<String, Object>> of(TransferEvent event) {
        return switch (event) {
            case TransferEvent.Status s -> List.of(message(s.status(), s.id(), null));
            case TransferEvent.LayerStep s -> List.of(message(s.status(), s.layer(), Map.of()));
            case TransferEvent.LayerBytes b -> {
                Map<String, Object> detail = new LinkedHashMap<>();
                detail.put("current", b.current());
                if (b.total() > 0) {
                    detail.put("total", b.total());
                }
                Map<String, Object> m = message(b.status(), b.layer(), detail);
                m.put("progress", bar(b.current(), b.total()));
                yield List.of(m);
            }
            case TransferEvent.Pushed p -> {
                Map<String, Object> aux = new LinkedHashMap<>();    // in dockerd's order
                aux.put("Tag", p.tag());
                aux.put("Digest", p.digest().toString());
                aux.put("Size", p.size());
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("progressDetail", Map.of());
                m.put("aux", aux);
                yield List.of(message(p.tag() + ": digest: " + p.digest() + " size: " + p.size(), null, null), m);
            }
        };
    }

    private static Map<String, Object> message(String status, String id, Map<String, Object> detail) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        if (detail != null) {
            m.put("progressDetail", detail);
        }
        if (id != null) {
            m.put("id", id);
        }
        return m;
    }

    /** The bar the docker CLI prints as it is: {@code [=====>      ]  1.2MB/3.4MB}. */
    private static String bar(long current, long total) {
        if (total <= 0) {
            return size(current);
        }
        int width = 50;
        int done = (int) Math.min(width, current * width / total);
        return "[" + "=".repeat(Math.max(0, done - 1)) + (done < width ? ">" : "=") + " ".repeat(width - done) + "] "
                + size(current) + "/" + size(total);
    }

    private static String size(long bytes) {
        if (bytes < 1000) {
            return bytes + "B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.3g%s", v, units[u]);
    }
}
