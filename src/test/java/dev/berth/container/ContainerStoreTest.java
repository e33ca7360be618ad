package dev.berth.container;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Containers stored before the engine took typed requests (Config and HostConfig as the client sent them, with
 * fields Berth does not know, without the ones it did not send) load as typed records, so a daemon upgraded while
 * its containers run picks them up; and what is saved reads back the same.
 */
class ContainerStoreTest {

    @Test
    void containersStoredAsSentLoadTyped(@TempDir Path root) throws Exception {
        String id = "a".repeat(64);
        Path dir = Files.createDirectories(root.resolve("containers").resolve(id));
        Files.writeString(dir.resolve("container.json"), """
                {"id":"%s","name":"old","created":"2026-11-20T10:00:00Z","image":"busybox","imageId":"sha256:%s",
                 "config":{"Hostname":"aaaaaaaaaaaa","Cmd":"sleep 9","Env":["A=1"],"Labels":{"k":"v"},"Healthcheck":{"Test":["CMD","true"],"Interval":1000000000},
                           "ExposedPorts":{"80/tcp":{}},"SomethingNew":{"x":1}},
                 "hostConfig":{"NetworkMode":"default","Binds":["/tmp:/t:ro"],"RestartPolicy":{"Name":"always"},"Memory":67108864,
                               "PidsLimit":50,"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},"BlkioDeviceReadBps":[{"Path":"/dev/sda","Rate":1}]},
                 "path":"sleep","args":["9"],"state":{"status":"exited","exitCode":0},"restartCount":0}
                """.formatted(id, "b".repeat(64)));
        ContainerStore store = new ContainerStore(root);
        Container c = store.loadAll().getFirst();
        assertEquals(List.of("sleep 9"), c.config().cmd(), "a Cmd sent as a string is a one-element list");
        assertEquals("v", c.config().labels().get("k"));
        assertEquals(1_000_000_000L, c.config().healthcheck().interval());
        assertNull(c.config().stopTimeout());
        assertEquals("", c.config().user(), "what was not sent is Go's zero value");
        assertEquals(List.of("/tmp:/t:ro"), c.hostConfig().binds());
        assertEquals("always", RestartPolicy.of(c.hostConfig()).name());
        assertEquals(67108864L, c.hostConfig().memory());
        assertEquals(50L, c.hostConfig().pidsLimit());
        assertNull(c.hostConfig().init());
        assertEquals("8080", c.hostConfig().portBindings().get("80/tcp").getFirst().hostPort());
        assertTrue(c.hostConfig().capAdd().isEmpty());

        store.save(id, () -> c);
        String saved = Files.readString(dir.resolve("container.json"));
        assertFalse(saved.contains("SomethingNew") || saved.contains("BlkioDeviceReadBps"), "fields Berth does not know are not kept");
        Container again = store.loadAll().getFirst();
        assertEquals(c.config(), again.config(), "what is saved reads back the same");
        assertEquals(c.hostConfig(), again.hostConfig());
    }
}
