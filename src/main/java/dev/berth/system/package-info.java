/** Docker's system service: version, info and disk usage assembled from the engines. */
package dev.berth.system;
