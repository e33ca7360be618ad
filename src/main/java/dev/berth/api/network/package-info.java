/** Network routes over {@link dev.berth.network.Networks} and {@link dev.berth.container.NetworkMembers}. */
package dev.berth.api.network;
