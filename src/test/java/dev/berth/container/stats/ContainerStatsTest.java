package dev.berth.container.stats;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Docker's stats shape from cgroup files: a v2 host and a v1 one, laid out as the kernel does in a scratch copy. */
class ContainerStatsTest {

    @TempDir
    Path dir;

    private ContainerStats.Host host(String cgroupLines) throws Exception {
        Path proc = Files.createDirectories(dir.resolve("proc"));
        Files.createDirectories(proc.resolve("42"));
        Files.writeString(proc.resolve("42/cgroup"), cgroupLines);
        Files.writeString(proc.resolve("stat"), "cpu  100 0 50 1000 10 0 5 0 0 0\ncpu0 50 0 25 500 5 0 2 0 0 0\ncpu1 50 0 25 500 5 0 3 0 0 0\n");
        Files.writeString(proc.resolve("meminfo"), "MemTotal:       2048000 kB\nMemFree:        1000 kB\n");
        return new ContainerStats.Host(dir.resolve("cgroup"), proc);
    }

    private static void write(Path d, String name, String content) throws Exception {
        Files.createDirectories(d);
        Files.writeString(d.resolve(name), content);
    }

    @Test
    void cgroupV2() throws Exception {
        ContainerStats.Host host = host("0::/berth/abc\n");
        Path cg = dir.resolve("cgroup");
        write(cg, "cgroup.controllers", "cpuset cpu io memory pids\n");
        Path c = cg.resolve("berth/abc");
        write(c, "cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\nnr_periods 7\nnr_throttled 2\nthrottled_usec 300\n");
        write(c, "memory.current", "1048576\n");
        write(c, "memory.max", "max\n");
        write(c, "memory.stat", "anon 4096\nfile 8192\ninactive_file 4096\n");
        write(c, "pids.current", "3\n");
        write(c, "pids.max", "50\n");
        write(c, "io.stat", "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n");
        JsonNode s = dev.berth.api.Json.MAPPER.valueToTree(ContainerStats.sample(42, host));
        assertEquals(2_500_000, s.at("/cpu_stats/cpu_usage/total_usage").asLong());
        assertEquals(500_000, s.at("/cpu_stats/cpu_usage/usage_in_kernelmode").asLong());
        assertEquals(2_000_000, s.at("/cpu_stats/cpu_usage/usage_in_usermode").asLong());
        assertEquals(300_000, s.at("/cpu_stats/throttling_data/throttled_time").asLong());
        assertEquals(1165 * 10_000_000L, s.at("/cpu_stats/system_cpu_usage").asLong(), "user..steal of the cpu line, idle included, in ns");
        assertEquals(2, s.at("/cpu_stats/online_cpus").asInt());
        assertEquals(1048576, s.at("/memory_stats/usage").asLong());
        assertEquals(2048000L * 1024, s.at("/memory_stats/limit").asLong(), "max: the host's memory");
        assertEquals(4096, s.at("/memory_stats/stats/inactive_file").asLong());
        assertEquals(3, s.at("/pids_stats/current").asInt());
        assertEquals(50, s.at("/pids_stats/limit").asInt());
        assertEquals("[{\"major\":8,\"minor\":0,\"op\":\"read\",\"value\":4096},{\"major\":8,\"minor\":0,\"op\":\"write\",\"value\":8192}]",
                s.at("/blkio_stats/io_service_bytes_recursive").toString());
        assertEquals("[{\"major\":8,\"minor\":0,\"op\":\"read\",\"value\":1},{\"major\":8,\"minor\":0,\"op\":\"write\",\"value\":2}]",
                s.at("/blkio_stats/io_serviced_recursive").toString());
    }

    @Test
    void cgroupV1WithJoinedControllers() throws Exception {
        ContainerStats.Host host = host("12:pids:/berth/abc\n4:cpu,cpuacct:/berth/abc\n3:memory:/berth/abc\n2:blkio:/berth/abc\n1:name=systemd:/x\n");
        Path cg = dir.resolve("cgroup");
        write(cg.resolve("cpu,cpuacct/berth/abc"), "cpuacct.usage", "123456789\n");
        write(cg.resolve("cpu,cpuacct/berth/abc"), "cpuacct.usage_percpu", "100000000 23456789 \n");
        write(cg.resolve("cpu,cpuacct/berth/abc"), "cpuacct.stat", "user 10\nsystem 2\n");
        write(cg.resolve("cpu,cpuacct/berth/abc"), "cpu.stat", "nr_periods 4\nnr_throttled 1\nthrottled_time 999\n");
        write(cg.resolve("memory/berth/abc"), "memory.usage_in_bytes", "2097152\n");
        write(cg.resolve("memory/berth/abc"), "memory.max_usage_in_bytes", "3145728\n");
        write(cg.resolve("memory/berth/abc"), "memory.limit_in_bytes", "104857600\n");
        write(cg.resolve("memory/berth/abc"), "memory.stat", "cache 0\nrss 2097152\ntotal_inactive_file 0\n");
        write(cg.resolve("pids/berth/abc"), "pids.current", "1\n");
        write(cg.resolve("pids/berth/abc"), "pids.max", "max\n");
        write(cg.resolve("blkio/berth/abc"), "blkio.throttle.io_service_bytes_recursive", "8:0 Read 512\n8:0 Write 0\nTotal 512\n");
        write(cg.resolve("blkio/berth/abc"), "blkio.throttle.io_serviced_recursive", "8:0 Read 1\nTotal 1\n");
        JsonNode s = dev.berth.api.Json.MAPPER.valueToTree(ContainerStats.sample(42, host));
        assertEquals(123456789, s.at("/cpu_stats/cpu_usage/total_usage").asLong());
        assertEquals("[100000000,23456789]", s.at("/cpu_stats/cpu_usage/percpu_usage").toString());
        assertEquals(100_000_000, s.at("/cpu_stats/cpu_usage/usage_in_usermode").asLong(), "ticks of 10 ms");
        assertEquals(999, s.at("/cpu_stats/throttling_data/throttled_time").asLong());
        assertEquals(3145728, s.at("/memory_stats/max_usage").asLong());
        assertEquals(104857600, s.at("/memory_stats/limit").asLong());
        assertEquals(1, s.at("/pids_stats/current").asInt());
        assertTrue(s.at("/pids_stats/limit").isMissingNode(), "no limit: left out");
        assertEquals("[{\"major\":8,\"minor\":0,\"op\":\"Read\",\"value\":512},{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":0}]",
                s.at("/blkio_stats/io_service_bytes_recursive").toString());
    }

    @Test
    void aProcessThatIsGoneGivesZeroes() {
        JsonNode s = dev.berth.api.Json.MAPPER.valueToTree(ContainerStats.sample(0));
        assertEquals(0, s.at("/cpu_stats/cpu_usage/total_usage").asLong());
        assertTrue(s.at("/memory_stats").isEmpty());
    }
}
