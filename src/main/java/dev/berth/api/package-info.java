/** The Docker Engine API over HTTP: routing, API versions, errors as Docker words them, request decoding helpers. */
package dev.berth.api;
