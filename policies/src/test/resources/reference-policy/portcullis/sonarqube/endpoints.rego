# The scanner allow-list and the denied endpoint families (SURFACE.md §1 and §3).
#
# Written as one rule per key so that the compiled policy looks a path up directly and builds
# only that entry, instead of building the whole table on every request.
#
# Each endpoint: method, params (name -> the kind of value it takes, checked by
# parameters.rego; "project" marks a project key), anonymous (reachable without a credential
# unless strict_mode), branch_analysis (only while allow_branch_analysis) and body (the media
# types of the request body it takes; none by default, so every GET refuses a body).
package portcullis.sonarqube

# Bootstrap, JRE and engine provisioning (scanner library >= 3 against a server >= 10.6).
endpoints["/api/v2/analysis/version"] := _get({})

endpoints["/api/v2/analysis/jres"] := _get({"os": "platform", "arch": "platform"})

endpoints["/api/v2/analysis/jres/{id}"] := _get({})

endpoints["/api/v2/analysis/engine"] := _get({})

endpoints["/api/v2/analysis/active_rules"] := _get({"projectKey": "project"})

# SCA CLI (Advanced Security).
endpoints["/api/v2/sca/clis"] := _get({"os": "platform", "arch": "platform"})

endpoints["/api/v2/sca/clis/{id}"] := _get({})

# Anonymous on the server whatever forceAuth says; the legacy bootstrapper sends no credential.
endpoints["/api/server/version"] := _anonymous_get({})

endpoints["/batch/index"] := _anonymous_get({})

endpoints["/batch/file"] := _anonymous_get({"name": "file"})

# The .NET scanner downloads its analyzers anonymously.
endpoints["/static/{plugin}/{file}"] := _anonymous_get({})

# Engine: settings, plugins, rules, project data. No "keys" on settings/values: scanners never
# send it, and it would make a targeted read of single (secured) settings easy.
endpoints["/api/settings/values"] := _get({"component": "project"})

endpoints["/api/settings/values.protobuf"] := _get({"component": "project"})

endpoints["/api/plugins/installed"] := _get({})

endpoints["/api/plugins/download"] := _get({"plugin": "plugin", "acceptCompressions": "keys"})

endpoints["/api/qualityprofiles/search"] := _quality_profiles

endpoints["/api/qualityprofiles/search.protobuf"] := _quality_profiles

_quality_profiles := _get({
	"project": "project",
	"projectKey": "project",
	"defaults": "boolean",
	"organization": "keys",
})

endpoints["/api/rules/search"] := _rules_search

endpoints["/api/rules/search.protobuf"] := _rules_search

_rules_search := _get({"f": "keys", "activation": "boolean", "qprofile": "keys", "ps": "number", "p": "number"})

endpoints["/api/rules/list.protobuf"] := _get({"qprofile": "keys", "ps": "number", "p": "number"})

endpoints["/api/languages/list"] := _get({})

endpoints["/api/features/list"] := _get({})

endpoints["/api/metrics/search"] := _get({"ps": "number", "p": "number", "f": "keys"})

endpoints["/api/new_code_periods/show.protobuf"] := _get({"project": "project", "branch": "branch"})

endpoints["/batch/project.protobuf"] := _get({"key": "project", "branch": "branch", "pullRequest": "branch"})

endpoints["/api/project_branches/list"] := _branch_get({"project": "project"})

endpoints["/api/project_pull_requests/list"] := _branch_get({"project": "project"})

endpoints["/api/analysis_cache/get"] := _get({"project": "project", "branch": "branch"})

endpoints["/api/editions/is_valid_license"] := _get({})

# Report upload, quality-gate wait and the Azure DevOps Publish task.
# The report is the only body a scanner sends. Its project key must be in the query: the server
# reads parameters from the multipart body too, and returns the query's value first.
endpoints["/api/ce/submit"] := {
	"method": "POST",
	"params": {"projectKey": "project", "projectName": "text", "characteristic": "characteristic", "organization": "keys"},
	"body": ["multipart/form-data"],
}

endpoints["/api/ce/task"] := _get({"id": "id", "additionalFields": "keys"})

endpoints["/api/qualitygates/project_status"] := _get({
	"analysisId": "id",
	"projectKey": "project",
	"branch": "branch",
	"pullRequest": "branch",
})

endpoints["/api/measures/component"] := _get({
	"component": "project",
	"metricKeys": "keys",
	"branch": "branch",
	"pullRequest": "branch",
	"additionalFields": "keys",
})

_get(params) := {"method": "GET", "params": params}

_anonymous_get(params) := {"method": "GET", "params": params, "anonymous": true}

_branch_get(params) := {"method": "GET", "params": params, "branch_analysis": true}

# An entry of the configuration's extra_endpoints (config.rego) as an entry of this table. Its
# method is the request's when the entry lists it, and one no request has otherwise; it takes no
# body, so every parameter the server reads is one the policy sees. Its credential kinds narrow
# allowed_credential_kinds, which is checked first.
extra_endpoint(entry) := {
	"method": _extra_endpoint_method(entry.methods),
	"params": object.get(entry, "params", {}),
	"anonymous": object.get(entry, "anonymous", false),
	"credential_kinds": object.get(entry, "credential_kinds", _allowed_credential_kinds(_config)),
}

_extra_endpoint_method(methods) := input.request.method if {
	input.request.method in methods
} else := ""

# Denied families under /api/<family>/, for a clearer reason than endpoint_not_allowed. The
# allowed endpoints inside a family (settings/values, ce/submit, ...) are matched before these.
api_families["users"] := "user_directory"

api_families["users_management"] := "user_directory"

api_families["user_tokens"] := "token_management"

api_families["permissions"] := "permission_management"

api_families["user_groups"] := "permission_management"

api_families["system"] := "system_administration"

api_families["monitoring"] := "system_administration"

api_families["settings"] := "settings_administration"

api_families["webhooks"] := "integration_settings"

api_families["alm_settings"] := "integration_settings"

api_families["alm_integrations"] := "integration_settings"

api_families["webservices"] := "api_enumeration"

api_families["projects"] := "project_listing"

api_families["components"] := "project_listing"

api_families["project_analyses"] := "project_listing"

api_families["project_branches"] := "project_listing"

api_families["project_pull_requests"] := "project_listing"

api_families["issues"] := "code_and_findings"

api_families["hotspots"] := "code_and_findings"

api_families["sources"] := "code_and_findings"

api_families["duplications"] := "code_and_findings"

api_families["navigation"] := "code_and_findings"

api_families["measures"] := "code_and_findings"

api_families["authentication"] := "authentication_endpoints"

api_families["ce"] := "compute_engine_administration"

api_families["plugins"] := "plugin_administration"

# Changing profiles, gates or rules can defeat the quality gate.
api_families["qualityprofiles"] := "quality_configuration"

api_families["qualitygates"] := "quality_configuration"

api_families["rules"] := "quality_configuration"

# Families under /api/v2/<family>/.
api_v2_families["users-management"] := "user_directory"

api_v2_families["authorizations"] := "permission_management"

api_v2_families["dop-translation"] := "integration_settings"

api_v2_families["system"] := "system_administration"
