/** Filter values shared by the list and prune filters (times, durations, labels). */
package dev.berth.filters;
