/** OCI runtime spec translation: process, mounts, security, resources and the files a container gets from the host. */
package dev.berth.container.spec;
