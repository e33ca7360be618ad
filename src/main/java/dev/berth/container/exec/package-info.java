/** Exec sessions ({@code docker exec}): processes started in running containers, each under a monitor of its own. */
package dev.berth.container.exec;
