package dev.portcullis.examples.custompolicy;

import static dev.portcullis.examples.custompolicy.TeamAPolicy.AGENT_CIDRS;

import dev.portcullis.RawRequest;
import dev.portcullis.credential.CredentialValidity;
import dev.portcullis.testkit.PortcullisArbitraries;
import dev.portcullis.testkit.RawRequests;
import dev.portcullis.testkit.ScannerKind;
import dev.portcullis.testkit.ServerGeneration;
import dev.portcullis.testkit.TestCredential;
import dev.portcullis.testkit.TestCredential.Kind;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Team A's traffic, built from the testkit's arbitraries: what its agents and others send. */
final class TeamATraffic {

  private TeamATraffic() {}

  /** A scan of one project: its key and its calls in order. */
  record ProjectScan(String project, List<RawRequest> calls) {}

  static Arbitrary<String> teamProjects() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .withChars("0123456789-")
        .ofMinLength(1)
        .ofMaxLength(12)
        .map(name -> "team-a-" + name);
  }

  /** Project keys that are not team A's, near misses first. */
  static Arbitrary<String> otherProjects() {
    Arbitrary<String> word =
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8);
    return Arbitraries.oneOf(
            Arbitraries.of("team-a", "team-b-app", "Team-A-app", "TEAM-A-APP", "team_a_app"),
            word.map(w -> "team-a" + w),
            word.map(w -> "team-b-" + w),
            word.map(w -> w + "-team-a-" + w),
            PortcullisArbitraries.projectKeys())
        .filter(key -> !key.startsWith("team-a-") && !key.equals("unknown"));
  }

  static Arbitrary<RawRequest> teamScanCalls() {
    return Combinators.combine(
            Arbitraries.of(ServerGeneration.values()), Arbitraries.of(ScannerKind.values()))
        .flatAs(
            (generation, kind) ->
                PortcullisArbitraries.scannerTraffic(generation, kind, teamProjects()));
  }

  static Arbitrary<ProjectScan> otherProjectScans() {
    return Combinators.combine(
            Arbitraries.of(ServerGeneration.values()),
            Arbitraries.of(ScannerKind.values()),
            otherProjects())
        .flatAs(
            (generation, kind, project) ->
                PortcullisArbitraries.scans(generation, kind, Arbitraries.just(project))
                    .map(calls -> new ProjectScan(project, calls)));
  }

  static Arbitrary<String> agents() {
    return PortcullisArbitraries.clientIpsIn(AGENT_CIDRS);
  }

  static Arbitrary<String> elsewhere() {
    return PortcullisArbitraries.clientIpsOutside(AGENT_CIDRS);
  }

  /** The Publish task's calls (SURFACE.md §1e, P2 to P5) for a team project. */
  static Arbitrary<RawRequest> publishCalls() {
    Arbitrary<String> id =
        Arbitraries.strings().withChars("0123456789abcdefABCDEF_-").ofMinLength(1).ofMaxLength(20);
    return Arbitraries.oneOf(
        Arbitraries.just(call("/api/server/version")),
        id.map(task -> call("/api/ce/task?id=" + task)),
        id.map(analysis -> call("/api/qualitygates/project_status?analysisId=" + analysis)),
        Combinators.combine(
                teamProjects(),
                Arbitraries.of("", "&branch=main", "&pullRequest=42", "&branch=feature/login"))
            .as(
                (project, branch) ->
                    call(
                        "/api/measures/component?component="
                            + project
                            + "&metricKeys=new_violations,new_accepted_issues,new_coverage"
                            + branch)));
  }

  static Arbitrary<RawRequest> newCodePeriodReads() {
    return Combinators.combine(
            teamProjects(), Arbitraries.of("", "&branch=main", "&branch=release-2.1"))
        .as((project, branch) -> call("/api/new_code_periods/show?project=" + project + branch));
  }

  static Arbitrary<TestCredential> projectAnalysisTokens() {
    return PortcullisArbitraries.credentials(Kind.PROJECT_ANALYSIS_TOKEN, CredentialValidity.VALID);
  }

  static Arbitrary<TestCredential> globalAnalysisOrUserTokens() {
    return Combinators.combine(
            Arbitraries.of(Kind.GLOBAL_ANALYSIS_TOKEN, Kind.USER_TOKEN),
            Arbitraries.of(CredentialValidity.values()))
        .flatAs(PortcullisArbitraries::credentials);
  }

  static Arbitrary<TestCredential> refusedCredentials() {
    return Combinators.combine(
            Arbitraries.of(Kind.BADGE_TOKEN, Kind.UNPREFIXED_TOKEN, Kind.PASSWORD),
            Arbitraries.of(CredentialValidity.values()))
        .flatAs(PortcullisArbitraries::credentials);
  }

  /** Tokens of the kinds the default policy accepts, verified valid. */
  static Arbitrary<TestCredential> acceptedTokens() {
    return Arbitraries.of(Kind.PROJECT_ANALYSIS_TOKEN, Kind.GLOBAL_ANALYSIS_TOKEN, Kind.USER_TOKEN)
        .flatMap(kind -> PortcullisArbitraries.credentials(kind, CredentialValidity.VALID));
  }

  static Arbitrary<RawRequest> hostileSensitiveRequests() {
    return Combinators.combine(
            PortcullisArbitraries.sensitiveEndpoints(), acceptedTokens(), agents())
        .as((request, token, ip) -> token.applyTo(RawRequests.withClientIp(request, ip)))
        .flatMap(PortcullisArbitraries::hostileVariants);
  }

  private static RawRequest call(String target) {
    return RawRequest.of("GET", target, PortcullisArbitraries.SCANNER_IP)
        .withHeader("Host", PortcullisArbitraries.HOST);
  }

  /** A mix of all of the above, each from the team's agents unless it is about other networks. */
  static Arbitrary<RawRequest> anything() {
    return Arbitraries.oneOf(
        Combinators.combine(teamScanCalls(), agents()).as(RawRequests::withClientIp),
        Combinators.combine(otherProjectScans(), agents())
            .as(
                (scan, ip) ->
                    scan.calls().stream().map(c -> RawRequests.withClientIp(c, ip)).toList())
            .flatMap(Arbitraries::of),
        Combinators.combine(teamScanCalls(), elsewhere()).as(RawRequests::withClientIp),
        Combinators.combine(publishCalls(), globalAnalysisOrUserTokens(), agents())
            .as((call, token, ip) -> token.applyTo(RawRequests.withClientIp(call, ip))),
        Combinators.combine(publishCalls(), projectAnalysisTokens(), agents())
            .as((call, token, ip) -> token.applyTo(RawRequests.withClientIp(call, ip))),
        Combinators.combine(newCodePeriodReads(), acceptedTokens(), agents())
            .as((call, token, ip) -> token.applyTo(RawRequests.withClientIp(call, ip))),
        hostileSensitiveRequests());
  }
}
