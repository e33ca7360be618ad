/** The container lifecycle: transitions, exits, restarts, networking glue, files and streams (exec and health build on it). */
package dev.berth.container;
