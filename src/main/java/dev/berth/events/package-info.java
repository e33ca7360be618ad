/** Events: what the engines report, kept in a size-capped history and fanned out to subscribers. */
package dev.berth.events;
