package dev.berth.daemon;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptionsTest {

    @TempDir
    Path dir;

    private DaemonConfig run(String... args) {
        return assertInstanceOf(Options.Parsed.Run.class, Options.parse(args)).config();
    }

    private String[] withConfig(String json, String... args) throws Exception {
        Path f = dir.resolve("berth.json");
        Files.writeString(f, json);
        String[] all = new String[args.length + 2];
        all[0] = "--config";
        all[1] = f.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return all;
    }

    @Test
    void defaultsAreTheDocumentedOnes() throws Exception {
        DaemonConfig c = run(withConfig("{}"));
        assertEquals(List.of(new HostAddress.Unix(Path.of("/run/berth/berth.sock"))), c.hosts());
        assertEquals(Path.of("/var/lib/berth"), c.root());
        assertEquals(Path.of("/run/berth"), c.runroot());
        assertNull(c.runtime());
        assertNull(c.idleExit());
        assertEquals(Level.INFO, c.logLevel());
    }

    @Test
    void hostsRepeatAndEveryFormParses() throws Exception {
        DaemonConfig c = run(withConfig("{}", "-H", "unix:///tmp/a.sock", "--host=tcp://127.0.0.1:2375", "-H", "fd://",
                "-Htcp://localhost"));
        assertEquals(List.of(new HostAddress.Unix(Path.of("/tmp/a.sock")), new HostAddress.Tcp("127.0.0.1", 2375),
                new HostAddress.Activated(), new HostAddress.Tcp("localhost", 2375)), c.hosts());
        assertTrue(c.socketActivated());
    }

    @Test
    void flagsWinOverTheConfigFile() throws Exception {
        DaemonConfig c = run(withConfig("{\"root\": \"/srv/berth\", \"runroot\": \"/run/x\", \"log-level\": \"debug\","
                + " \"hosts\": [\"unix:///tmp/f.sock\"], \"time\": 7}", "--root", "/data/berth"));
        assertEquals(Path.of("/data/berth"), c.root());
        assertEquals(Path.of("/run/x"), c.runroot());
        assertEquals(Level.FINE, c.logLevel());
        assertEquals(List.of(new HostAddress.Unix(Path.of("/tmp/f.sock"))), c.hosts());
        assertEquals(Duration.ofSeconds(7), c.idleExit());
    }

    @Test
    void insecureRegistriesAndConnectionLimitsAreRead() throws Exception {
        DaemonConfig c = run(withConfig("{\"insecure-registries\": [\"myreg:5000\", \"10.1.0.0/16\"], \"idle-timeout\": 60}",
                "--insecure-registry", "other:443", "--max-connections", "100"));
        assertEquals(List.of("other:443"), c.insecureRegistries(), "flags win over the config file's list");
        assertEquals(List.of("myreg:5000", "10.1.0.0/16"), run(withConfig("{\"insecure-registries\": [\"myreg:5000\", \"10.1.0.0/16\"]}"))
                .insecureRegistries());
        assertEquals(Duration.ofSeconds(60), c.connections().idle());
        assertEquals(Duration.ofSeconds(30), c.connections().read());
        assertEquals(100, c.connections().max());
        assertEquals(List.of(), run(withConfig("{}")).insecureRegistries());
    }

    @Test
    void badInputIsRefusedWithAMessage() throws Exception {
        assertMessage("unknown flag: --nope", "--nope", "x");
        assertMessage("needs a value", "--root");
        assertMessage("invalid host", "-H", "http://x");
        assertMessage("must be absolute", "-H", "unix://relative.sock");
        assertMessage("invalid log level", "-l", "loud");
        assertMessage("whole number", "--time", "-3");
        assertMessage("does not exist", "--config", dir.resolve("missing.json").toString());
        assertMessage("unknown option \"bogus\"", withConfig("{\"bogus\": 1}"));
        assertMessage("must hold a JSON object", withConfig("[1]"));
        assertMessage("cannot read config file", withConfig("{\"root\": "));
    }

    @Test
    void aNonLoopbackTcpHostNeedsTls() throws Exception {
        assertMessage("without TLS", withConfig("{}", "-H", "tcp://0.0.0.0:2375"));
        assertMessage("all of --tlscert", withConfig("{}", "-H", "tcp://0.0.0.0:2376", "--tlscert", "/c.pem"));
        DaemonConfig c = run(withConfig("{}", "-H", "tcp://0.0.0.0:2376", "--tlscert", "/c.pem", "--tlskey", "/k.pem",
                "--tlscacert", "/ca.pem"));
        assertEquals(Path.of("/ca.pem"), c.tls().ca());
    }

    @Test
    void helpAndVersionNeedNoConfig() {
        assertInstanceOf(Options.Parsed.Help.class, Options.parse(new String[] {"--help"}));
        assertInstanceOf(Options.Parsed.Version.class, Options.parse(new String[] {"-v"}));
        assertTrue(Options.help().contains("--runtime"));
    }

    private static void assertMessage(String expected, String... args) {
        ConfigException e = assertThrows(ConfigException.class, () -> Options.parse(args));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
