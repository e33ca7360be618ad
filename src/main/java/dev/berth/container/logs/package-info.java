/** Container logs: conmon's k8s-file log read as Docker frames it, and the log options a container takes. */
package dev.berth.container.logs;
