package dev.berth.container;

import dev.berth.container.logs.ContainerLogs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code docker logs} of a stopped container: conmon's k8s-file log (8 MiB of 100-byte lines, stdout and
 * stderr) parsed and written as Docker's multiplexed frames. Reports the log's megabytes per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LogsBench {

    @Param({"-1", "100"})
    public int tail;

    private Path log;
    private long bytes;

    @Setup(Level.Trial)
    public void writeLog() throws IOException {
        log = Files.createTempFile("berth-jmh", ".log");
        StringBuilder sb = new StringBuilder();
        String payload = "x".repeat(60);
        for (int i = 0; sb.length() < 8 * 1024 * 1024; i++) {
            sb.append("2026-11-22T10:00:00.").append(String.format("%09d", i % 1_000_000_000)).append("Z ")
                    .append(i % 5 == 0 ? "stderr" : "stdout").append(" F ").append(payload).append('\n');
        }
        Files.writeString(log, sb, StandardCharsets.UTF_8);
        bytes = Files.size(log);
    }

    @TearDown(Level.Trial)
    public void deleteLog() throws IOException {
        Files.deleteIfExists(log);
    }

    /** Counts what it is given, so that the work cannot be optimised away. */
    static final class Counting extends OutputStream {
        long n;

        @Override
        public void write(int b) {
            n++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            n += len;
        }
    }

    @Benchmark
    public long multiplexedLogs() throws IOException {
        Counting out = new Counting();
        ContainerLogs.write(log, new ContainerLogs.Options(true, true, false, tail, null, null, false), false, out, () -> false);
        return out.n;
    }

    /** The log's size, to turn operations per second into bytes per second. */
    public long logBytes() {
        return bytes;
    }
}
