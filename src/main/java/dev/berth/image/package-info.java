/** The image store: content-addressed blobs, unpacked layers, the name index, archives, removal rules. */
package dev.berth.image;
