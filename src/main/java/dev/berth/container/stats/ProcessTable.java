package dev.berth.container.stats;

import dev.berth.errors.EngineException;
import dev.berth.host.ChildProcesses;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code docker top}, as dockerd does it: the host's {@code ps} with the caller's arguments, keeping the
 * header and the rows of the container's processes. The first list is the titles.
 */
public final class ProcessTable {

    private ProcessTable() {}

    public static List<List<String>> of(List<Long> pids, String psArgs) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ps"));
        cmd.addAll(Arrays.asList(psArgs.strip().split("\\s+")));
        Process p = ChildProcesses.builder(cmd.toArray(String[]::new)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw EngineException.invalid("ps " + psArgs + " failed: " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return parse(out, pids);
    }

    public static List<List<String>> parse(String psOutput, List<Long> pids) {
        String[] lines = psOutput.split("\n");
        List<String> titles = Arrays.asList(lines[0].strip().split("\\s+"));
        int pidColumn = titles.indexOf("PID");
        if (pidColumn < 0) {
            throw EngineException.invalid("Couldn't find PID field in ps output");
        }
        Set<String> wanted = new HashSet<>();
        pids.forEach(pid -> wanted.add(Long.toString(pid)));
        List<List<String>> rows = new ArrayList<>();
        rows.add(titles);
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            // the last column (the command) may hold spaces
            List<String> fields = Arrays.asList(lines[i].strip().split("\\s+", titles.size()));
            if (fields.size() > pidColumn && wanted.contains(fields.get(pidColumn))) {
                rows.add(fields);
            }
        }
        return rows;
    }
}
