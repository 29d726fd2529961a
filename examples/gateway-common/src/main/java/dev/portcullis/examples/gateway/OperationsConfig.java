package dev.portcullis.examples.gateway;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * The operations settings of a gateway: its admin listener, decision log and roll-out mode.
 *
 * @param adminListen where {@code /health/live}, {@code /health/ready} and {@code /metrics} are
 *     served, apart from the proxied port; {@code null} for no admin listener (and no metrics)
 * @param decisionLog {@code stdout} or a file to append one JSON line per decision to; {@code null}
 *     for none
 * @param decisionLogSampleAllows the share of allows logged, 0 to 1; denies are all logged
 * @param reportOnly forward policy denies and only log them (see {@link
 *     dev.portcullis.PolicyEnforcer.Builder#reportOnly})
 * @param gatewayId the gateway's id in the decision log's labels; {@code null} for the host name
 * @param dataFile the {@code --data} file, watched and reloaded when it changes; {@code null} for
 *     none
 * @param shadowPolicy a candidate policy (wasm or bundle) judged beside the enforced one, never
 *     enforced; {@code null} for none
 * @param policyFile the user's policy ({@code --policy}) evaluated instead of the bundled one,
 *     watched and reloaded like {@code dataFile}; {@code null} for the bundled policy
 */
public record OperationsConfig(
    InetSocketAddress adminListen,
    String decisionLog,
    double decisionLogSampleAllows,
    boolean reportOnly,
    String gatewayId,
    Path dataFile,
    Path shadowPolicy,
    PolicyFile policyFile) {

  /** No admin listener, no decision log, every deny enforced. */
  public static final OperationsConfig NONE =
      new OperationsConfig(null, null, 1, false, null, null, null, null);

  public OperationsConfig {
    if (!(decisionLogSampleAllows >= 0 && decisionLogSampleAllows <= 1)) {
      throw new IllegalArgumentException(
          "--decision-log-sample-allows must be from 0 to 1, not " + decisionLogSampleAllows);
    }
    if (decisionLog != null && decisionLog.isBlank()) {
      throw new IllegalArgumentException("--decision-log must be stdout or a file");
    }
  }

  public OperationsConfig withAdminListen(InetSocketAddress address) {
    return new OperationsConfig(
        address,
        decisionLog,
        decisionLogSampleAllows,
        reportOnly,
        gatewayId,
        dataFile,
        shadowPolicy,
        policyFile);
  }

  public OperationsConfig withDecisionLog(String target, double sampleAllows) {
    return new OperationsConfig(
        adminListen,
        target,
        sampleAllows,
        reportOnly,
        gatewayId,
        dataFile,
        shadowPolicy,
        policyFile);
  }

  public OperationsConfig withReportOnly(boolean enabled) {
    return new OperationsConfig(
        adminListen,
        decisionLog,
        decisionLogSampleAllows,
        enabled,
        gatewayId,
        dataFile,
        shadowPolicy,
        policyFile);
  }

  public OperationsConfig withGatewayId(String id) {
    return new OperationsConfig(
        adminListen,
        decisionLog,
        decisionLogSampleAllows,
        reportOnly,
        id,
        dataFile,
        shadowPolicy,
        policyFile);
  }

  public OperationsConfig withDataFile(Path file) {
    return new OperationsConfig(
        adminListen,
        decisionLog,
        decisionLogSampleAllows,
        reportOnly,
        gatewayId,
        file,
        shadowPolicy,
        policyFile);
  }

  public OperationsConfig withShadowPolicy(Path file) {
    return new OperationsConfig(
        adminListen,
        decisionLog,
        decisionLogSampleAllows,
        reportOnly,
        gatewayId,
        dataFile,
        file,
        policyFile);
  }

  public OperationsConfig withPolicyFile(PolicyFile file) {
    return new OperationsConfig(
        adminListen,
        decisionLog,
        decisionLogSampleAllows,
        reportOnly,
        gatewayId,
        dataFile,
        shadowPolicy,
        file);
  }

  /** The entrypoint decisions are made at: the user's policy's, or the bundled policy's. */
  public String entrypoint() {
    return policyFile == null ? PolicyFile.DEFAULT_ENTRYPOINT : policyFile.entrypoint();
  }
}
