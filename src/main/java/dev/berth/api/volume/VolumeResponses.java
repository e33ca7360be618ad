package dev.berth.api.volume;

import dev.berth.volume.Volume;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Docker's shape of a volume (inspect, list and create answers, and {@code /system/df} rows). */
public final class VolumeResponses {

    private VolumeResponses() {}

    public static Map<String, Object> volume(Volume v, Path dir) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("CreatedAt", v.createdAt());
        m.put("Driver", v.driver());
        m.put("Labels", v.labels());
        m.put("Mountpoint", dir.toString());
        m.put("Name", v.name());
        m.put("Options", v.options());
        m.put("Scope", "local");
        return m;
    }
}
