package io.enginel.support;

import io.enginel.config.EnginelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Key and trust stores for a TLS event bus, made with the JDK's own {@code keytool} as an operator would
 * (docs/clustering.md has the same commands): one key pair for the cluster's members and a trust store holding
 * its certificate, or a stranger's own key pair that the cluster does not trust.
 */
public final class ClusterCertificates {
  public static final String PASSWORD = "changeit-" + Long.toHexString(System.nanoTime());

  private ClusterCertificates() {}

  /** A key pair in {@code <dir>/<name>.p12} and a trust store {@code <dir>/<name>-trust.p12} holding its certificate. */
  public static EnginelConfig.ClusterTls create(Path dir, String name) {
    Path keyStore = dir.resolve(name + ".p12");
    Path certificate = dir.resolve(name + ".crt");
    Path trustStore = dir.resolve(name + "-trust.p12");
    keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
        "-dname", "CN=" + name, "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
        "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
    keytool("-exportcert", "-alias", name, "-keystore", keyStore.toString(), "-storepass", PASSWORD,
        "-file", certificate.toString());
    keytool("-importcert", "-noprompt", "-alias", name, "-file", certificate.toString(), "-storetype", "PKCS12",
        "-keystore", trustStore.toString(), "-storepass", PASSWORD);
    return new EnginelConfig.ClusterTls(true, keyStore.toString(), PASSWORD, trustStore.toString(), PASSWORD);
  }

  public static Path tempDir() {
    try {
      return Files.createTempDirectory("enginel-cluster-tls");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void keytool(String... args) {
    Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
    List<String> command = new ArrayList<>();
    command.add(java.resolveSibling("keytool").toString());
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("keytool could not run: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
