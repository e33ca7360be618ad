package dev.berth.api;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.berth.testing.BusyboxImage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** docker-java, the client under Testcontainers, against Berth (issue 13). */
class DockerJavaIT extends ContainerTestBase {

    private DockerClient client() {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost("unix://" + daemon.socket()).build();
        return DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).build());
    }

    private static String logs(DockerClient client, String id) throws Exception {
        StringBuilder out = new StringBuilder();
        client.logContainerCmd(id).withStdOut(true).withStdErr(true).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
        }).awaitCompletion(30, TimeUnit.SECONDS);
        return out.toString();
    }

    @Test
    void anImageWithOnlyACmdRunsItAndKillReturnsOnceExited() throws Exception {
        Path tar = Files.write(daemon.dir().resolve("cmd.tar"), BusyboxImage.archive(BusyboxImage.rootfs(), "[\"echo\",\"image-cmd\"]", "withcmd:1"));
        ok("load", "-i", tar.toString());
        try (DockerClient client = client()) {
            // docker-java sends "Cmd": [] when none is given: the image's Cmd runs
            String id = client.createContainerCmd("withcmd:1").exec().getId();
            client.startContainerCmd(id).exec();
            assertEquals(0, client.waitContainerCmd(id).start().awaitStatusCode(30, TimeUnit.SECONDS));
            assertEquals("image-cmd\n", logs(client, id));

            String sleeper = client.createContainerCmd("busybox").withCmd("sleep", "300").exec().getId();
            client.startContainerCmd(sleeper).exec();
            client.killContainerCmd(sleeper).exec();
            InspectContainerResponse.ContainerState state = client.inspectContainerCmd(sleeper).exec().getState();
            assertFalse(state.getRunning(), "running right after a SIGKILL returned");
            assertEquals(137L, state.getExitCodeLong());
            client.removeContainerCmd(sleeper).exec();
        }
    }
}
