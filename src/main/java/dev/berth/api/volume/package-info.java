/** Volume routes over {@link dev.berth.volume.Volumes}. */
package dev.berth.api.volume;
