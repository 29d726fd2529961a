package dev.portcullis.testkit;

/** A kind of SonarQube scanner client, which decides the calls around the scanner engine's own. */
public enum ScannerKind {
  /** SonarScanner CLI (recorded: 5.0.1 on 9.9, 8.1 on 26.9). */
  CLI,
  /** SonarScanner for Maven (recorded: 5.8 on 26.9); the same calls as the CLI. */
  MAVEN,
  /** SonarScanner for Gradle; the same calls as the CLI (researched). */
  GRADLE,
  /**
   * SonarScanner for .NET: the "begin" step's JSON calls, its token probe and its analyzer
   * downloads from {@code /static/}, then the engine's calls (researched).
   */
  DOTNET,
  /**
   * The Azure DevOps extension's Prepare and Publish tasks around a CLI scan: server version, task
   * polling, quality gate and measures (researched, SURFACE.md §1e).
   */
  AZURE_DEVOPS
}
