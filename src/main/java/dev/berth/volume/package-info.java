/** Volumes: the local driver and its store, as the API and the container lifecycle use them. */
package dev.berth.volume;
