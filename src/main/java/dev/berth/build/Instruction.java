package dev.berth.build;

import java.util.List;
import java.util.Map;

/**
 * One Dockerfile instruction: its keyword (upper case), its {@code --flags}, its arguments as written (after
 * the flags) and, for the exec form ({@code ["a", "b"]}), the list; {@code line} is where it starts.
 */
public record Instruction(String keyword, Map<String, String> flags, String args, List<String> json, int line, String original) {

    public boolean execForm() {
        return json != null;
    }
}
