package dev.berth.container.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.container.config.ContainerConfig;
import dev.berth.errors.EngineException;
import dev.berth.image.ImageConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** dockerd's rules for Cmd and Entrypoint, as docker-java (always {@code "Cmd": []}) and the CLI send them. */
class ProcessRulesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ImageConfig image(String config) {
        return ImageConfig.parse(("{\"config\":" + config + ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> args(String request, String imageConfig) throws Exception {
        return ProcessRules.args(JSON.readValue(request, ContainerConfig.class), ProcessRules.of(image(imageConfig)));
    }

    @Test
    void emptyListsMeanTheImagesAndAnEmptyStringEntrypointClearsIt() throws Exception {
        String both = "{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"c\"]}";
        assertEquals(List.of("/ep", "c"), args("{\"Cmd\":[]}", both), "Cmd [] is the image's Cmd");
        assertEquals(List.of("/ep", "c"), args("{\"Cmd\":[],\"Entrypoint\":[]}", both), "Entrypoint [] leaves the image's");
        assertEquals(List.of("c2"), args("{\"Cmd\":[\"c2\"],\"Entrypoint\":[\"\"]}", both), "Entrypoint [\"\"] clears the image's entrypoint");
        assertThrows(EngineException.class, () -> args("{\"Cmd\":[],\"Entrypoint\":[\"\"]}", both),
                "a cleared entrypoint takes no Cmd from the image, as with dockerd");
        assertEquals(List.of("sh"), args("{\"Cmd\":[]}", "{\"Cmd\":[\"sh\"]}"), "an image with only a Cmd runs it");
        assertEquals(List.of("/x", "y"), args("{\"Entrypoint\":[\"/x\"],\"Cmd\":[\"y\"]}", both));
        assertEquals(List.of("/x"), args("{\"Entrypoint\":\"/x\"}", both), "an own entrypoint drops the image's Cmd");
        assertEquals(List.of("/ep", "z"), args("{\"Cmd\":\"z\"}", both), "a plain string counts as one argument");
        assertThrows(EngineException.class, () -> args("{\"Cmd\":[]}", "{}"));
    }
}
