/** Networks and sandboxes: bridges through CNI, published ports, isolation rules, the embedded DNS. */
package dev.berth.network;
