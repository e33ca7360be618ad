/** The classic builder: Dockerfiles parsed and run step by step over the container side and the image store. */
package dev.berth.build;
