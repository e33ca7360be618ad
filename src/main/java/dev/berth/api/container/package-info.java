/** Container, exec and archive routes: decode a request, make one call on the container side, write Docker's shape. */
package dev.berth.api.container;
