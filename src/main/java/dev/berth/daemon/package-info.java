/** berthd itself: options, configuration, listeners, socket activation, the object graph, start and shutdown. */
package dev.berth.daemon;
