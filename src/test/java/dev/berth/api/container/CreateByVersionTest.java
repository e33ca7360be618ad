package dev.berth.api.container;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.api.ApiVersion;
import dev.berth.api.Json;
import dev.berth.errors.EngineException;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A create body as moby's router reads it at each API version (its gates in postContainersCreate). */
class CreateByVersionTest {

    private static final ApiVersion V1_38 = new ApiVersion(1, 38);
    private static final ApiVersion V1_41 = new ApiVersion(1, 41);
    private static final ApiVersion V1_43 = new ApiVersion(1, 43);
    private static final ApiVersion V1_44 = new ApiVersion(1, 44);
    private static final ApiVersion V1_47 = new ApiVersion(1, 47);

    private static ObjectNode adjusted(String json, ApiVersion version) {
        ObjectNode request = Json.object(Buffer.buffer(json));
        CreateByVersion.apply(request, version);
        return request;
    }

    private static String refusal(String json, ApiVersion version) {
        return assertThrows(EngineException.class, () -> adjusted(json, version)).getMessage();
    }

    @Test
    void fieldsAddedLaterAreDroppedForOlderClients() {
        String body = "{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000,\"StartInterval\":5000000000},"
                + "\"HostConfig\":{\"Annotations\":{\"a\":\"b\"},\"ConsoleSize\":[30,100],"
                + "\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/x\",\"BindOptions\":{\"NonRecursive\":true,\"CreateMountpoint\":true}}]}}";
        assertEquals("{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000},"
                + "\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/x\",\"BindOptions\":{}}],"
                + "\"IpcMode\":\"shareable\"}}", adjusted(body, V1_38).toString());
        assertEquals("{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000},"
                + "\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/x\",\"BindOptions\":{\"NonRecursive\":true}}]}}",
                adjusted(body, V1_41).toString());
        assertEquals("{\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000},"
                + "\"HostConfig\":{\"Annotations\":{\"a\":\"b\"},\"ConsoleSize\":[30,100],\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/x\","
                + "\"BindOptions\":{\"NonRecursive\":true,\"CreateMountpoint\":true}}]}}", adjusted(body, V1_43).toString());
        assertEquals(Json.object(Buffer.buffer(body)), adjusted(body, V1_44));
    }

    @Test
    void anIpcModeSentIsKeptAtAnyVersion() {
        assertEquals("{\"HostConfig\":{\"IpcMode\":\"private\"}}", adjusted("{\"HostConfig\":{\"IpcMode\":\"private\"}}", V1_38).toString());
        assertEquals("{\"HostConfig\":{\"IpcMode\":\"shareable\"}}", adjusted("{}", V1_38).toString());
        assertEquals("{}", adjusted("{}", V1_41).toString());
    }

    @Test
    void optionsForAnotherTypeOfMountAreIgnoredBefore142AndRefusedFrom142() {
        String body = "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/x\","
                + "\"VolumeOptions\":{\"NoCopy\":true},\"TmpfsOptions\":{\"SizeBytes\":1}}]}}";
        assertEquals("{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/x\"}]}}",
                adjusted(body, V1_41).toString());
        assertEquals("VolumeOptions must not be specified on mount type \"bind\"", refusal(body, V1_47));
        assertEquals("BindOptions must not be specified on mount type \"tmpfs\"",
                refusal("{\"HostConfig\":{\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/x\",\"BindOptions\":{}}]}}", V1_47));
        // a null is Go's nil pointer: not specified
        adjusted("{\"HostConfig\":{\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/x\",\"BindOptions\":null,\"VolumeOptions\":null}]}}", V1_47);
    }

    @Test
    void whatNeedsANewerVersionSaysWhich() {
        assertEquals("BindOptions.ReadOnlyForceRecursive needs API v1.44 or newer", refusal(
                "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/x\",\"BindOptions\":{\"ReadOnlyForceRecursive\":true}}]}}",
                V1_43));
        assertEquals("VolumeOptions.Subpath needs API v1.45 or newer", refusal(
                "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/x\",\"VolumeOptions\":{\"Subpath\":\"a\"}}]}}",
                V1_44));
        assertEquals("Mount type \"Image\" needs API v1.48 or newer", refusal(
                "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"image\",\"Source\":\"busybox\",\"Target\":\"/x\"}]}}", V1_47));
        String two = "{\"NetworkingConfig\":{\"EndpointsConfig\":{\"front\":{},\"back\":{}}}}";
        assertEquals("Container cannot be created with multiple network endpoints: front, back", refusal(two, V1_43));
        assertEquals(2, adjusted(two, V1_44).path("NetworkingConfig").path("EndpointsConfig").size());
    }
}
