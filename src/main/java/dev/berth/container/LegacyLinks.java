package dev.berth.container;

import java.io.IOException;

/** Legacy links ({@code --link}) by their names {@code parent/alias}, as {@code docker rm} reaches them. */
public interface LegacyLinks {

    /**
     * {@code docker rm --link parent/alias}: the parent no longer links the other container under that alias (its
     * name and variables go at its next start); both containers stay.
     */
    void removeLink(String parentRef, String alias) throws IOException;

    /** The container a parent links under an alias, by the link's name {@code parent/alias}: a 404 when there is none. */
    String linkTarget(String parentRef, String alias);
}
