package dev.berth.container;

import java.io.IOException;
import java.util.List;

/** A container's exec sessions that have not ended, as inspect's ExecIDs lists them; the exec side keeps them. */
@FunctionalInterface
public interface ExecIds {
    List<String> idsOf(String containerId) throws IOException;
}
