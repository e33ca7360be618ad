package dev.berth.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Syntax errors in dockerd's words: each expected message is what Go 1.24's encoding/json Decoder made of the bytes, as moby's ReadJSON reports it. */
class GoJsonSyntaxTest {

    @Test
    void reportsWhatGosDecoderReports() {
        List<Map.Entry<String, String>> cases = List.of(
                Map.entry("{bad", "invalid JSON: invalid character 'b' looking for beginning of object key string"),
                Map.entry("{\"a\":1", "invalid JSON: unexpected EOF"),
                Map.entry("{\"a\" 1}", "invalid JSON: invalid character '1' after object key"),
                Map.entry("{\"a\":1 \"b\":2}", "invalid JSON: invalid character '\"' after object key:value pair"),
                Map.entry("[1 2]", "invalid JSON: invalid character '2' after array element"),
                Map.entry("{\"a\":[1,]}", "invalid JSON: invalid character ']' looking for beginning of value"),
                Map.entry("{\"a\":tru}", "invalid JSON: invalid character '}' in literal true (expecting 'e')"),
                Map.entry("{\"a\":nul}", "invalid JSON: invalid character '}' in literal null (expecting 'l')"),
                Map.entry("{\"a\":fals}", "invalid JSON: invalid character '}' in literal false (expecting 'e')"),
                Map.entry("{\"a\":-x}", "invalid JSON: invalid character 'x' in numeric literal"),
                Map.entry("{\"a\":1.}", "invalid JSON: invalid character '}' after decimal point in numeric literal"),
                Map.entry("{\"a\":1.5e}", "invalid JSON: invalid character '}' in exponent of numeric literal"),
                Map.entry("{\"a\":1e+}", "invalid JSON: invalid character '}' in exponent of numeric literal"),
                Map.entry("{\"a\":01}", "invalid JSON: invalid character '1' after object key:value pair"),
                Map.entry("{\"a\":\"x\ny\"}", "invalid JSON: invalid character '\\n' in string literal"),
                Map.entry("{\"a\":\"\\q\"}", "invalid JSON: invalid character 'q' in string escape code"),
                Map.entry("{\"a\":\"\\u12g4\"}", "invalid JSON: invalid character 'g' in \\u hexadecimal character escape"),
                Map.entry("{\"Image\":\"busybox\"} x", "unexpected content after JSON"),
                Map.entry("{\"Image\":\"busybox\"}}", ""),
                Map.entry("{\"Image\":\"busybox\"}]", ""),
                Map.entry("{\"Image\":\"busybox\"} {}", "unexpected content after JSON"),
                Map.entry("   ", "invalid JSON: got EOF while reading request body"),
                Map.entry("{\"a\":1}\n", ""),
                Map.entry("{'a':1}", "invalid JSON: invalid character '\\'' looking for beginning of object key string"),
                Map.entry("{\"a\":1,}", "invalid JSON: invalid character '}' looking for beginning of object key string"),
                Map.entry("{,}", "invalid JSON: invalid character ',' looking for beginning of object key string"),
                Map.entry("}", "invalid JSON: invalid character '}' looking for beginning of value"),
                Map.entry("\"str\"", ""),
                Map.entry("\"str\"x", "unexpected content after JSON"),
                Map.entry("12x", "unexpected content after JSON"),
                Map.entry("12", ""),
                Map.entry("12 ", ""),
                Map.entry("tr", "invalid JSON: unexpected EOF"),
                Map.entry("{\"a\":\"\\u00e9\", \"b\":[true,false,null,-0.5E-3,{}]}", ""),
                Map.entry("\u0001", "invalid JSON: invalid character '\\x01' looking for beginning of value"),
                Map.entry("{\"a\":\u0000}", "invalid JSON: invalid character '\\x00' looking for beginning of value"),
                Map.entry("{\"a\":'x'}", "invalid JSON: invalid character '\\'' looking for beginning of value"),
                Map.entry("{\"a\":\"x\"\\}", "invalid JSON: invalid character '\\\\' after object key:value pair"),
                Map.entry("[]", ""),
                Map.entry("{\"a\":{\"b\":[{}]}}x", "unexpected content after JSON"),
                Map.entry("{\"a\":\u00e9}", "invalid JSON: invalid character '\u00e9' looking for beginning of value"),
                Map.entry("{\"a\":\u0085}", "invalid JSON: invalid character '\\u0085' looking for beginning of value")
        );
        for (var c : cases) {
            byte[] body = c.getKey().getBytes(StandardCharsets.ISO_8859_1);     // one char, one byte: raw bytes too
            assertEquals(c.getValue(), GoJsonSyntax.check(body).orElse(""), c.getKey());
        }
    }
}
