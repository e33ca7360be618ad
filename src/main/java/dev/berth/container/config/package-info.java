/** What a container is asked to be, as the API decodes it: Config, HostConfig, create and update requests. */
package dev.berth.container.config;
