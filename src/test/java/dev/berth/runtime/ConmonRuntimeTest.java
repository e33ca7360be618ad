package dev.berth.runtime;

import dev.berth.container.spec.OciSpecBuilder;
import dev.berth.errors.EngineException;
import dev.berth.host.Executables;
import dev.berth.image.ImageStore;
import dev.berth.rootfs.RootfsDriver;
import dev.berth.rootfs.RootfsDrivers;
import dev.berth.testing.BerthDaemon;
import dev.berth.testing.BusyboxImage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Real conmon, real runc, the busybox image on a real root filesystem: the monitor seam containers will use. */
class ConmonRuntimeTest {

    private Path dir;
    private RootfsDriver rootfs;
    private ConmonRuntime runtime;
    private List<Path> layers;
    private final List<String> created = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root: skipping");
        Path conmon = Executables.find("conmon").orElse(null);
        Path runc = Executables.find("runc").orElse(null);
        assumeTrue(conmon != null && runc != null, "conmon or runc not installed: skipping");
        dir = BerthDaemon.scratch();
        ImageStore images = new ImageStore(dir);
        images.load(new ByteArrayInputStream(BusyboxImage.archive("busybox:latest")));
        layers = images.get("busybox").config().diffIds().stream().map(images::layerPath).toList();
        rootfs = RootfsDrivers.open(dir, null);
        runtime = new ConmonRuntime(conmon, runc, dir.resolve("run"), dir.resolve("logs"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dir == null) {
            return;
        }
        for (String id : created) {
            try {
                runtime.delete(id);
            } catch (Exception ignored) {
                // already gone
            }
            rootfs.remove(id);
        }
        BerthDaemon.deleteTree(dir);
        // runc removes each container's cgroup; the parent the test named is ours to remove
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Files.deleteIfExists(h.resolve("berth-test"));
            }
        }
    }

    private String container(String... args) throws Exception {
        String id = HexFormat.of().formatHex(new Random().ints(32, 0, 256).collect(() -> new byte[32], (b, i) -> { }, (a, b) -> { }));
        id = Long.toHexString(System.nanoTime()) + id.substring(16);
        created.add(id);
        Path root = rootfs.mount(id, layers);
        var process = new OciSpecBuilder.Process(List.of(args), List.of("PATH=/bin:/usr/bin", "HOME=/root"), "/", 0, 0, List.of(), false);
        specs.put(id, new com.fasterxml.jackson.databind.ObjectMapper()
                .writeValueAsBytes(OciSpecBuilder.build(process, root, "c-" + id.substring(0, 8), 20000, "/berth-test/" + id)));
        return id;
    }

    /** The OCI specs of the containers made here, by id. */
    private final java.util.Map<String, byte[]> specs = new java.util.HashMap<>();

    private OciRuntime.Created create(OciRuntime on, String id) throws java.io.IOException {
        return on.create(id, specs.get(id), new OciRuntime.Stdio(false, false, false), new OciRuntime.LogPolicy(true, -1));
    }

    private int awaitExit(String id) throws Exception {
        for (int i = 0; i < 200; i++) {
            OptionalInt code = runtime.exitCode(runtime.paths(id));
            if (code.isPresent()) {
                return code.getAsInt();
            }
            Thread.sleep(50);
        }
        throw new AssertionError(id + " did not exit within 10s");
    }

    @Test
    void aContainerRunsUnderConmonAndItsExitCodeAndOutputAreKept() throws Exception {
        String id = container("sh", "-c", "echo out; echo err >&2; hostname; exit 3");
        assertTrue(create(runtime, id).pid() > 0);
        assertTrue(runtime.exitCode(runtime.paths(id)).isEmpty(), "exited before start");
        runtime.start(id);
        assertEquals(3, awaitExit(id));
        String log = Files.readString(runtime.paths(id).log());
        assertTrue(log.contains(" stdout F out") && log.contains(" stderr F err") && log.contains(" stdout F c-" + id.substring(0, 8)), log);
    }

    @Test
    void aMissingCommandFailsAtCreateWithTheRuntimesMessage() throws Exception {
        String id = container("/nonexistent");
        EngineException e = assertThrows(EngineException.class, () -> create(runtime, id));
        assertTrue(e.getMessage().contains("no such file or directory"), e.getMessage());
    }

    @Test
    void killEndsTheContainerWithTheSignal() throws Exception {
        String id = container("sleep", "60");
        create(runtime, id);
        runtime.start(id);
        runtime.kill(id, 9);
        assertEquals(137, awaitExit(id));
    }

    @Test
    void aHangingRuntimeIsKilledAtTheDeadlineAndTheCallFailsNamingIt() throws Exception {
        // a "runtime" that hangs in every command, as a wedged runc would
        Path hanging = dir.resolve("hanging-runc");
        Files.writeString(hanging, "#!/bin/sh\nexec sleep 600\n");
        Files.setPosixFilePermissions(hanging, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        ConmonRuntime wedged = new ConmonRuntime(Executables.find("conmon").orElseThrow(), hanging, dir.resolve("run2"),
                dir.resolve("logs"), java.time.Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        java.io.IOException start = assertThrows(java.io.IOException.class, () -> wedged.start("abc"));
        assertTrue(start.getMessage().contains("hanging-runc start abc did not finish within 2s"), start.getMessage());
        String id = container("true");
        java.io.IOException create = assertThrows(java.io.IOException.class,
                () -> create(wedged, id));
        assertTrue(create.getMessage().contains("did not report the process within 2s"), create.getMessage());
        assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "both calls ended near their deadline");
        java.util.function.BooleanSupplier left = () -> ProcessHandle.allProcesses()
                .anyMatch(p -> p.info().commandLine().orElse("").equals("sleep 600"));
        for (int i = 0; i < 50 && left.getAsBoolean(); i++) {
            Thread.sleep(100);
        }
        assertTrue(!left.getAsBoolean(), "the hung runtime was killed with its monitor");
    }
}
