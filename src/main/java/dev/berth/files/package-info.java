/** A container's files seen from the host through directory fds: archives in and out, stat. */
package dev.berth.files;
