/** The container lifecycle: transitions, exits, restarts, networking glue, files, streams, exec sessions and health probes. */
package dev.berth.container;
