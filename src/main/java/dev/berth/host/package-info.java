/** The host layer below everything: libc through FFM, process spawning, host facts, file trees, crash-safe files, JSON. */
package dev.berth.host;
