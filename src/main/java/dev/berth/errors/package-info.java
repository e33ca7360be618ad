/** Engine errors a client can act on, by kind; the API maps each kind to one HTTP status. */
package dev.berth.errors;
