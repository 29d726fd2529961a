package dev.portcullis.testkit;

/**
 * A generation of SonarQube servers, told apart by the calls a scanner makes to them: how it
 * bootstraps and how it reads its rules (docs/SURFACE.md; recorded scans of 9.9 and 26.9 in {@code
 * policies/src/test/resources/observed/}).
 */
public enum ServerGeneration {
  /**
   * SonarQube 9.9 LTA: the legacy bootstrap ({@code /batch/index}, {@code /batch/file}) and rules
   * from {@code /api/rules/search.protobuf}. Recorded.
   */
  SONARQUBE_9_9,
  /**
   * SonarQube 10.0 to 10.5: the legacy bootstrap with credentials, rules from {@code
   * /api/rules/list.protobuf}. Researched from public scanner logs, not recorded.
   */
  SONARQUBE_10,
  /**
   * SonarQube 10.6 and later (2025.x, 26.x): the {@code /api/v2/analysis/} bootstrap (version, JRE,
   * engine) and rules from {@code /api/v2/analysis/active_rules}. Recorded on 26.9.
   */
  SONARQUBE_2025
}
