/** Image, registry and build routes. */
package dev.berth.api.image;
