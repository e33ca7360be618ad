package dev.berth.network;

import java.util.List;
import java.util.Map;

/** What {@code docker network create} asks for; pools may leave subnet and gateway empty (Berth picks them). */
public record NetworkCreate(String name, String driver, boolean internal, boolean ipv6, List<Network.Pool> pools,
                            Map<String, String> labels, Map<String, String> options, Map<String, String> ipamOptions) {

    public NetworkCreate(String name, String driver, boolean internal, boolean ipv6, List<Network.Pool> pools,
                         Map<String, String> labels, Map<String, String> options) {
        this(name, driver, internal, ipv6, pools, labels, options, Map.of());
    }
}
