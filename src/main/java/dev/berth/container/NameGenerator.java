package dev.berth.container;

import java.security.SecureRandom;
import java.util.List;

/** Docker-style names for containers created without one: adjective_surname. */
final class NameGenerator {

    private static final List<String> ADJECTIVES = List.of("admiring", "bold", "brave", "calm", "clever", "dazzling",
            "eager", "elegant", "festive", "focused", "gallant", "gifted", "happy", "hopeful", "jolly", "keen", "kind",
            "lucid", "modest", "nifty", "optimistic", "peaceful", "quirky", "relaxed", "serene", "sharp", "stoic",
            "tender", "upbeat", "vibrant", "wizardly", "zealous");
    private static final List<String> NAMES = List.of("babbage", "bohr", "curie", "darwin", "dijkstra", "einstein",
            "euler", "faraday", "fermi", "galileo", "gauss", "hopper", "hypatia", "kepler", "knuth", "lamarr",
            "lovelace", "maxwell", "meitner", "newton", "noether", "pascal", "ritchie", "shannon", "tesla", "thompson",
            "torvalds", "turing", "volta", "wozniak");
    private static final SecureRandom RANDOM = new SecureRandom();

    private NameGenerator() {}

    static String next() {
        return ADJECTIVES.get(RANDOM.nextInt(ADJECTIVES.size())) + "_" + NAMES.get(RANDOM.nextInt(NAMES.size()));
    }
}
