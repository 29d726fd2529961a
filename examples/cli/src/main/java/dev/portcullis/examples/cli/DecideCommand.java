package dev.portcullis.examples.cli;

import dev.portcullis.Decision;
import dev.portcullis.PolicyEnforcer;
import dev.portcullis.PolicyLoadException;
import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.credential.CredentialVerification;
import dev.portcullis.examples.gateway.CredentialCheck;
import dev.portcullis.examples.gateway.PolicyFile;
import dev.portcullis.examples.gateway.RemoteOpa;
import dev.portcullis.plan.PlanPolicyEngine;
import dev.portcullis.policies.SonarQubePolicy;
import dev.portcullis.spi.CredentialVerifier;
import dev.portcullis.spi.PolicyEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code portcullis decide}: builds a request from the options, runs it through the same {@link
 * PolicyEnforcer} the gateways use (canonicalization included) and prints the decision as one JSON
 * object. Exits 0 when allowed, 1 when denied, 2 on a usage or load error.
 */
@Command(
    name = "decide",
    mixinStandardHelpOptions = true,
    description = {
      "Ask the policy about one request and print {\"allow\",\"status\",\"reasons\",\"message\"} (an allow adds forward_target, max_body_bytes and body_parts) as JSON.",
      "Exit code: 0 allowed, 1 denied, 2 usage or policy load error."
    })
final class DecideCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--method",
      defaultValue = "GET",
      description = "Request method (default: ${DEFAULT-VALUE}).")
  String method;

  @Option(
      names = "--target",
      required = true,
      description = "Raw request target as sent, e.g. '/api/users/search?q=a'.")
  String target;

  @Option(names = "--header", description = "A request header 'Name: value'; repeatable.")
  List<String> headers = new ArrayList<>();

  @Option(
      names = "--client-ip",
      defaultValue = "127.0.0.1",
      description = "Client IP address (default: ${DEFAULT-VALUE}).")
  String clientIp;

  @Option(
      names = "--credential-valid",
      arity = "1",
      description =
          "Treat the request's credential as verified valid (true) or invalid (false); "
              + "without it the credential is unverified.")
  Boolean credentialValid;

  @Option(
      names = "--verify",
      paramLabel = "sonarqube=URL|static=FILE|none",
      description =
          "Verify the request's credential like the gateway, with the gateway's --verify values: "
              + "sonarqube=URL asks SonarQube at URL (/api/authentication/validate), static=FILE checks it against a "
              + "file of token hashes (see hash-token), none leaves it unverified. Not with --credential-valid.")
  String verify;

  @Option(names = "--policy", paramLabel = "FILE", description = PolicyFile.HELP)
  Path policy;

  @Option(
      names = "--entrypoint",
      paramLabel = "NAME",
      defaultValue = PolicyFile.DEFAULT_ENTRYPOINT,
      description = PolicyFile.ENTRYPOINT_HELP)
  String entrypoint;

  @Option(
      names = "--data",
      description =
          "A file holding a JSON data document merged over the policy's defaults, such as "
              + "{\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mode\":true}}}}.",
      paramLabel = "FILE")
  Path data;

  @Option(
      names = "--engine",
      defaultValue = "embedded",
      paramLabel = "embedded|plan|remote=URL",
      description =
          "What decides: embedded (--policy, or the bundled policy, in this process), plan (the bundled "
              + "policy's OPA plan on Java values, in this process) or remote=URL (an "
              + "OPA server, e.g. remote=http://127.0.0.1:8181, asked at /v1/data/<--entrypoint>; it holds the "
              + "policy and data, so --policy and --data do not apply) (default: ${DEFAULT-VALUE}).")
  String engine;

  @Option(
      names = "--engine-token-file",
      paramLabel = "FILE",
      description = "A file holding the token the remote OPA requires; sent as a bearer token.")
  Path engineTokenFile;

  @Override
  public Integer call() {
    RawRequest request = request();
    CredentialVerifier verifier;
    try {
      verifier = verifier();
    } catch (PolicyLoadException e) {
      spec.commandLine().getErr().println("portcullis: cannot load --verify: " + e.getMessage());
      return PortcullisCli.USAGE_OR_LOAD_ERROR;
    }
    try (PolicyEngine engine = engine()) {
      // SonarQube's token kinds, realm and secret headers whichever policy decides: the CLI speaks
      // for SonarQube.
      PolicyEnforcer enforcer =
          SonarQubePolicy.enforcer(engine).credentialVerifier(verifier).build();
      Decision decision = enforcer.decide(request, RawRequest.ACCESSOR);
      spec.commandLine().getOut().println(DecisionJson.write(decision));
      return decision.allow() ? PortcullisCli.ALLOWED : PortcullisCli.DENIED;
    } catch (PolicyLoadException e) {
      spec.commandLine().getErr().println("portcullis: cannot load the policy: " + e.getMessage());
      return PortcullisCli.USAGE_OR_LOAD_ERROR;
    }
  }

  private RawRequest request() {
    RawRequest request = RawRequest.of(method, target, clientIp);
    for (String header : headers) {
      int colon = header.indexOf(':');
      if (colon <= 0) {
        throw new ParameterException(
            spec.commandLine(),
            "--header must look like 'Name: value' (got a header without a name).");
      }
      request =
          request.withHeader(
              header.substring(0, colon).strip(), header.substring(colon + 1).strip());
    }
    return request;
  }

  private CredentialVerifier verifier() {
    if (verify != null) {
      if (credentialValid != null) {
        throw new ParameterException(
            spec.commandLine(),
            "--verify and --credential-valid are mutually exclusive: --verify checks the credential,"
                + " --credential-valid asserts the result; use one.");
      }
      return verifierOf(verify);
    }
    if (credentialValid == null) {
      return CredentialVerifier.NONE;
    }
    CredentialVerification asserted =
        CredentialVerification.asserted(
            credentialValid ? CredentialValidity.VALID : CredentialValidity.INVALID);
    return CredentialVerifier.of(credential -> asserted);
  }

  /** The gateways' {@code --verify}, without an upstream: SonarQube's URL must be given. */
  private CredentialVerifier verifierOf(String option) {
    try {
      return CredentialCheck.parse(option).verifier(null);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private PolicyEngine engine() {
    RemoteOpa remote;
    try {
      remote = RemoteOpa.parse(engine, engineTokenFile);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (remote != null) {
      if (policy != null || data != null) {
        throw new ParameterException(
            spec.commandLine(),
            "--policy and --data are for the embedded engine; with --engine remote=URL the OPA server"
                + " holds the policy and its data.");
      }
      try {
        return remote.withEntrypoint(entrypoint).engine();
      } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    String userData = data == null ? null : read(data);
    if ("plan".equals(engine)) {
      if (policy != null) {
        throw new ParameterException(
            spec.commandLine(),
            "--engine plan runs the bundled policy's plan; a --policy bundle needs --engine embedded.");
      }
      return PlanPolicyEngine.builder()
          .sonarQubePlan()
          .entrypoint(SonarQubePolicy.ENTRYPOINT)
          .data(SonarQubePolicy.data(userData))
          .build();
    }
    // One request: one instance, no warm-up.
    if (policy == null) {
      return SonarQubePolicy.engine(userData).instances(1).warmUp(0).build();
    }
    return new PolicyFile("--policy", policy, entrypoint)
        .load(userData, builder -> builder.instances(1).warmUp(0));
  }

  private String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ParameterException(
          spec.commandLine(), "cannot read --data file " + file + ": " + e.getMessage());
    }
  }
}
