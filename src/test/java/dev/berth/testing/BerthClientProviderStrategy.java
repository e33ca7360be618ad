package dev.berth.testing;

import org.testcontainers.dockerclient.DockerClientProviderStrategy;
import org.testcontainers.dockerclient.TransportConfig;

import java.net.URI;

/**
 * Points Testcontainers at the Berth daemon under test (system property {@code berth.docker.host}); named
 * by TESTCONTAINERS_DOCKER_CLIENT_STRATEGY in the failsafe configuration.
 */
public final class BerthClientProviderStrategy extends DockerClientProviderStrategy {

    public static final String PROPERTY = "berth.docker.host";

    @Override
    public TransportConfig getTransportConfig() {
        return TransportConfig.builder().dockerHost(URI.create(System.getProperty(PROPERTY))).build();
    }

    @Override
    protected boolean isApplicable() {
        return System.getProperty(PROPERTY) != null;
    }

    @Override
    public String getDescription() {
        return "the Berth daemon under test (" + System.getProperty(PROPERTY) + ")";
    }
}
