package dev.berth.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.berth.errors.EngineException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Docker's JSON: UpperCamelCase names (records say {@code @JsonProperty} where Docker spells an
 * acronym, such as {@code ID}), read in any case, strict about types as Go's decoder is, lenient about
 * unknown fields.
 */
public final class Json {

    /**
     * Limits on what a request body may make the parser build: no deep nesting or huge strings, whatever
     * the body size cap lets through.
     */
    private static final com.fasterxml.jackson.core.JsonFactory FACTORY = com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                    .maxNestingDepth(64).maxStringLength(1 << 20).maxNumberLength(64).build())
            .build();

    public static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY)
            .propertyNamingStrategy(PropertyNamingStrategies.UPPER_CAMEL_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            // Go's decoder matches field names without regard to case: docker-py sends {"detachKeys": ...}
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
            .build();

    private Json() {}

    public static Buffer encode(Object value) {
        try {
            return Buffer.buffer(MAPPER.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    /** Parses a request body; a malformed body or a wrong type is the client's 400, a syntax error in Go's words as dockerd's. */
    public static <T> T decode(Buffer body, Class<T> type) {
        byte[] bytes = body.getBytes();
        GoJsonSyntax.check(bytes).ifPresent(message -> {
            throw EngineException.invalid(message);
        });
        return read("", () -> MAPPER.readValue(bytes, type));
    }

    /** A request's JSON (parsed already) as the engine's type; a wrong type is the client's 400 naming the field. */
    public static <T> T convert(com.fasterxml.jackson.databind.JsonNode tree, Class<T> type) {
        return convert(tree, type, "");
    }

    /** The same for a part of the request, at {@code path} ("HostConfig", say), which the message names. */
    public static <T> T convert(com.fasterxml.jackson.databind.JsonNode tree, Class<T> type, String path) {
        return read(path, () -> MAPPER.treeToValue(tree, type));
    }

    private interface Reading<T> {
        T read() throws java.io.IOException;
    }

    private static <T> T read(String prefix, Reading<T> reading) {
        try {
            return reading.read();
        } catch (JsonMappingException e) {
            StringBuilder where = new StringBuilder(prefix);
            for (var r : e.getPath()) {
                where.append(r.getFieldName() != null ? (where.isEmpty() ? "" : ".") + r.getFieldName() : "[" + r.getIndex() + "]");
            }
            throw EngineException.invalid("invalid JSON" + (where.isEmpty() ? "" : " at " + where) + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw EngineException.invalid("invalid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw EngineException.invalid("cannot read request body: " + e.getMessage());
        }
    }

    /** A request body that must be a JSON object ({} when empty); anything else is the client's 400. */
    public static com.fasterxml.jackson.databind.node.ObjectNode object(Buffer body) {
        if (body == null || body.length() == 0) {
            return MAPPER.createObjectNode();
        }
        if (!(decode(body, com.fasterxml.jackson.databind.JsonNode.class) instanceof com.fasterxml.jackson.databind.node.ObjectNode o)) {
            throw EngineException.invalid("invalid JSON: the body must be an object");
        }
        return o;
    }

    /** Answers 200 with the engine's result once it is there, in its API shape; an engine failure goes to the error handler. */
    public static <T> void sendWhenDone(RoutingContext ctx, CompletionStage<T> result, Function<T, ?> toBody) {
        Future.fromCompletionStage(result, ctx.vertx().getOrCreateContext())
                .onSuccess(v -> send(ctx, 200, toBody.apply(v)))
                .onFailure(ctx::fail);
    }

    /**
     * A JSON message stream (load, import): chunked, one message per chunk, as dockerd sends it; docker-py
     * reads a body that has a Content-Length as one JSON document.
     */
    /** A JSON message stream's error, as dockerd's streamformatter writes it. */
    public static Map<String, Object> errorMessage(Object message) {
        String text = String.valueOf(message);
        return Map.of("errorDetail", Map.of("message", text), "error", text);
    }

    public static void sendMessages(RoutingContext ctx, java.util.List<?> messages) {
        var response = ctx.response().setChunked(true).putHeader("Content-Type", "application/json");
        for (Object m : messages) {
            response.write(encode(m).appendString("\n"));
        }
        response.end();
    }

    public static void send(RoutingContext ctx, int status, Object value) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(encode(value));
    }
}
