package dev.portcullis.testkit;

import java.util.List;

/**
 * A family of sensitive SonarQube endpoints that the default policy denies, with the reason code it
 * denies them with (policies' {@code denials.rego} and the {@code api_families} of {@code
 * tables/data.json}) and example requests a leaked token could try.
 */
public enum EndpointFamily {
  USER_DIRECTORY(
      "user_directory",
      "GET /api/users/search",
      "GET /api/users/search?q=admin",
      "GET /api/users_management/search",
      "GET /api/v2/users-management/users",
      "POST /api/users/create"),
  TOKEN_MANAGEMENT(
      "token_management",
      "POST /api/user_tokens/generate?name=ci",
      "GET /api/user_tokens/search",
      "POST /api/user_tokens/revoke?name=ci"),
  PERMISSION_MANAGEMENT(
      "permission_management",
      "POST /api/permissions/add_user?login=mallory&permission=admin",
      "GET /api/permissions/search_templates",
      "GET /api/user_groups/search",
      "GET /api/v2/authorizations/groups"),
  SYSTEM_ADMINISTRATION(
      "system_administration",
      "GET /api/system/info",
      "GET /api/system/logs",
      "POST /api/system/restart",
      "GET /api/monitoring/metrics",
      "GET /api/v2/system/health"),
  SETTINGS_ADMINISTRATION(
      "settings_administration",
      "POST /api/settings/set?key=sonar.forceAuthentication&value=false",
      "POST /api/settings/reset?keys=sonar.forceAuthentication",
      "GET /api/settings/list_definitions"),
  INTEGRATION_SETTINGS(
      "integration_settings",
      "GET /api/webhooks/list",
      "GET /api/alm_settings/list",
      "GET /api/alm_integrations/list_azure_projects",
      "GET /api/v2/dop-translation/dop-settings"),
  API_ENUMERATION(
      "api_enumeration", "GET /api/webservices/list", "GET /api/webservices/response_example"),
  PROJECT_LISTING(
      "project_listing",
      "GET /api/projects/search",
      "GET /api/components/search?qualifiers=TRK",
      "GET /api/project_analyses/search?project=demo",
      "POST /api/projects/delete?project=demo"),
  CODE_AND_FINDINGS(
      "code_and_findings",
      "GET /api/issues/search",
      "GET /api/hotspots/search?project=demo",
      "GET /api/sources/raw?key=demo:src/Main.java",
      "GET /api/duplications/show?key=demo:src/Main.java",
      "GET /api/measures/search?projectKeys=demo&metricKeys=bugs",
      "GET /api/navigation/global"),
  AUTHENTICATION_ENDPOINTS(
      "authentication_endpoints",
      "GET /api/authentication/validate",
      "POST /api/authentication/login?login=admin&password=admin",
      "POST /api/authentication/logout"),
  COMPUTE_ENGINE_ADMINISTRATION(
      "compute_engine_administration",
      "GET /api/ce/activity",
      "POST /api/ce/cancel_all",
      "GET /api/ce/worker_count"),
  PLUGIN_ADMINISTRATION(
      "plugin_administration",
      "POST /api/plugins/install?key=evil",
      "GET /api/plugins/available",
      "POST /api/plugins/uninstall?key=java"),
  QUALITY_CONFIGURATION(
      "quality_configuration",
      "POST /api/qualitygates/select?gateName=none&projectKey=demo",
      "POST /api/qualityprofiles/deactivate_rule?key=x&rule=java:S1",
      "POST /api/rules/update?key=java:S1");

  private final String reason;
  private final List<String> examples;

  EndpointFamily(String reason, String... examples) {
    this.reason = reason;
    this.examples = List.of(examples);
  }

  /** The reason code the default policy denies this family with, such as {@code user_directory}. */
  public String reason() {
    return reason;
  }

  /** Example requests of this family, each {@code "METHOD target"}. */
  public List<String> examples() {
    return examples;
  }
}
