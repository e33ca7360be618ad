package dev.berth.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.container.config.HostConfig;
import dev.berth.container.spec.MountOptions;
import dev.berth.container.spec.ResourceOptions;
import dev.berth.container.spec.SecurityOptions;
import dev.berth.container.stats.ProcessTable;
import dev.berth.errors.EngineException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pure parts of the HostConfig options: parsing, checking, and ps output filtering. */
class ContainerOptionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static HostConfig hc(String json) throws Exception {
        return JSON.readValue(json, HostConfig.class);
    }

    @Test
    void bindsParseWithModesAndPropagation() throws Exception {
        var mounts = MountOptions.parse(hc("{\"Binds\":[\"/a:/b\",\"/c/../d:/e:ro,Z,rshared\"],"
                + "\"Tmpfs\":{\"/t\":\"size=1m\"}}"), List.of());
        assertEquals(new MountOptions.Mount("bind", "/a", "/b", List.of("rbind", "rw", "rprivate")), mounts.get(0));
        assertEquals(new MountOptions.Mount("bind", "/d", "/e", List.of("rbind", "ro", "rshared")), mounts.get(1));
        assertEquals(new MountOptions.Mount("tmpfs", null, "/t", List.of("nosuid", "nodev", "noexec", "size=1m")), mounts.get(2));
        for (String bad : List.of("{\"Binds\":[\"/a\"]}", "{\"Binds\":[\"/a:b\"]}", "{\"Binds\":[\"/a:/b:bogus\"]}",
                "{\"Binds\":[\"/a:/\"]}", "{\"Binds\":[\"/a:/x\",\"/b:/x\"]}", "{\"Mounts\":[{\"Type\":\"nfs\",\"Target\":\"/x\"}]}")) {
            assertThrows(EngineException.class, () -> MountOptions.parse(hc(bad), List.of()), bad);
        }
    }

    @Test
    void resourcesAreCheckedAgainstTheHost() throws Exception {
        var host = new ResourceOptions.Host(2, false, false, Map.of("nofile", 20000L));
        assertEquals(List.of(0, 1, 3), ResourceOptions.cpuList("0-1,3", "CpusetCpus"));
        assertThrows(EngineException.class, () -> ResourceOptions.validate(hc("{\"CpusetCpus\":\"2\"}"), host));
        assertThrows(EngineException.class, () -> ResourceOptions.validate(hc("{\"NanoCpus\":3000000000}"), host));
        assertThrows(EngineException.class, () -> ResourceOptions.validate(hc("{\"Memory\":1000}"), host));
        assertThrows(EngineException.class, () -> ResourceOptions.validate(hc("{\"MemorySwap\":100000000}"), host));
        List<String> warnings = ResourceOptions.validate(hc("{\"Memory\":10000000,\"MemorySwap\":20000000,"
                + "\"BlkioWeight\":500,\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":30000,\"Hard\":30000}]}"), host);
        assertEquals(3, warnings.size(), warnings.toString());
        assertTrue(warnings.get(2).contains("lowered to 20000:20000"), warnings.get(2));
    }

    @Test
    void capabilitiesDropThenAdd() throws Exception {
        assertEquals(List.of("CAP_NET_ADMIN"), List.copyOf(SecurityOptions.capabilities(
                hc("{\"CapDrop\":[\"ALL\"],\"CapAdd\":[\"net_admin\"]}"))));
        assertThrows(EngineException.class, () -> SecurityOptions.capabilities(hc("{\"CapAdd\":[\"NOPE\"]}")));
    }

    @Test
    void topKeepsTheHeaderAndTheContainersRows() {
        String ps = "UID          PID    PPID  C STIME TTY          TIME CMD\n"
                + "root           1       0  0 10:00 ?        00:00:01 /sbin/init\n"
                + "root        4242    4200  0 10:01 ?        00:00:00 sh -c while true; do sleep 1; done\n";
        var rows = ProcessTable.parse(ps, List.of(4242L));
        assertEquals(List.of("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"), rows.get(0));
        assertEquals(2, rows.size());
        assertEquals("sh -c while true; do sleep 1; done", rows.get(1).get(7));
    }
}
