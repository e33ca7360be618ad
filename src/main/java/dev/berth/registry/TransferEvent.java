package dev.berth.registry;

import dev.berth.image.Digest;

import java.io.IOException;

/**
 * What a pull or push reports as it goes, before any wire format: the API renders these as Docker's JSON
 * progress messages (the docker CLI draws its bars from them), the builder as lines of its output.
 */
public sealed interface TransferEvent {

    /** Receives a transfer's events in order, on the transfer's threads. */
    @FunctionalInterface
    interface Listener {
        void report(TransferEvent event) throws IOException;
    }

    /** A line about the transfer as a whole; {@code id} names what it is about (a tag, a digest) or is null. */
    record Status(String status, String id) implements TransferEvent {}

    /** One layer (by its short id) reached a step: Pulling fs layer, Verifying Checksum, Pull complete, Pushed, ... */
    record LayerStep(String layer, String status) implements TransferEvent {}

    /** Bytes of one layer moved so far ({@code status} Downloading or Pushing); {@code total} is 0 when unknown. */
    record LayerBytes(String layer, String status, long current, long total) implements TransferEvent {}

    /** A manifest pushed under a tag: what {@code docker push} prints as the tag's digest and size. */
    record Pushed(String tag, Digest digest, long size) implements TransferEvent {}
}
