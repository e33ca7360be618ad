/** Resource usage read from cgroups and /proc, and process tables, as stats and top show them. */
package dev.berth.container.stats;
