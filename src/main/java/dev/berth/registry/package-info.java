/** The distribution protocol: pulls, pushes, authentication, registry transports and mirrors. */
package dev.berth.registry;
