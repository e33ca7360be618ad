/** The monitored OCI runtime seam and its conmon + runc implementation. */
package dev.berth.runtime;
