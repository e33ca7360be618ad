/** System routes: ping, version, info, disk usage, events, metrics. */
package dev.berth.api.system;
