/** Hijacked connections (attach, exec start): the raw or multiplexed stream after the HTTP upgrade. */
package dev.berth.api.hijack;
