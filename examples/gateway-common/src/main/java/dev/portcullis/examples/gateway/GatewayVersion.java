package dev.portcullis.examples.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code --version}: the project version the build wrote into {@code gateway-version.properties}.
 */
final class GatewayVersion implements IVersionProvider {

  static final String RESOURCE = "/dev/portcullis/examples/gateway/gateway-version.properties";

  /** The project version, such as {@code 0.1.0-SNAPSHOT}. */
  static String version() {
    Properties properties = new Properties();
    try (InputStream in = GatewayVersion.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      // reported as unknown below
    }
    return properties.getProperty("version", "unknown");
  }

  @Override
  public String[] getVersion() {
    return new String[] {"Portcullis gateway " + version() + " (Java " + Runtime.version() + ")"};
  }
}
