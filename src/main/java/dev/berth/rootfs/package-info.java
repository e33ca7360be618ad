/** Container root filesystems (overlay, vfs), their changes, and path resolution scoped to a container. */
package dev.berth.rootfs;
