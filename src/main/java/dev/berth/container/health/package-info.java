/** Health checks: the probes a container's Healthcheck runs as exec sessions, and what they record in its state. */
package dev.berth.container.health;
