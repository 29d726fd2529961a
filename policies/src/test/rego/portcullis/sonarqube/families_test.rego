# Endpoint families that are never needed by scanners (SURFACE.md §3): 403 with the family's
# reason for a valid token, 401 without one.
package portcullis.sonarqube_test

denied_endpoints := {
	"GET /api/users/search?q=a": "user_directory",
	"GET /api/users/current": "user_directory",
	"POST /api/users/change_password": "user_directory",
	"GET /api/users_management/search": "user_directory",
	"GET /api/v2/users-management/users": "user_directory",
	"POST /api/user_tokens/generate?name=x": "token_management",
	"GET /api/user_tokens/search": "token_management",
	"POST /api/user_tokens/revoke": "token_management",
	"POST /api/permissions/add_user": "permission_management",
	"POST /api/user_groups/create": "permission_management",
	"GET /api/v2/authorizations/groups": "permission_management",
	"GET /api/system/info": "system_administration",
	"GET /api/system/status": "system_administration",
	"POST /api/system/migrate_db": "system_administration",
	"GET /api/monitoring/metrics": "system_administration",
	"GET /api/v2/system/health": "system_administration",
	"POST /api/settings/set?key=k&value=v": "settings_administration",
	"GET /api/settings/list_definitions": "settings_administration",
	"POST /api/settings/encrypt": "settings_administration",
	"POST /api/webhooks/create": "integration_settings",
	"GET /api/alm_settings/list": "integration_settings",
	"GET /api/alm_integrations/list_azure_projects": "integration_settings",
	"GET /api/v2/dop-translation/bound-projects": "integration_settings",
	"GET /api/webservices/list": "api_enumeration",
	"GET /api/webservices/response_example": "api_enumeration",
	"GET /api/projects/search": "project_listing",
	"POST /api/projects/delete?project=demo": "project_listing",
	"GET /api/projects/export_findings?project=demo": "project_listing",
	"GET /api/components/search?qualifiers=TRK": "project_listing",
	"GET /api/project_analyses/search?project=demo": "project_listing",
	"POST /api/project_branches/delete?project=demo&branch=b": "project_listing",
	"POST /api/project_pull_requests/delete?project=demo&pullRequest=1": "project_listing",
	"GET /api/issues/search": "code_and_findings",
	"GET /api/hotspots/search?project=demo": "code_and_findings",
	"GET /api/sources/raw?key=demo:src/a.java": "code_and_findings",
	"GET /api/duplications/show?key=demo:src/a.java": "code_and_findings",
	"GET /api/navigation/global": "code_and_findings",
	"GET /api/measures/search_history?component=demo": "code_and_findings",
	"GET /api/authentication/validate": "authentication_endpoints",
	"POST /api/authentication/login": "authentication_endpoints",
	"GET /api/ce/activity": "compute_engine_administration",
	"POST /api/ce/cancel_all": "compute_engine_administration",
	"GET /api/ce/info": "compute_engine_administration",
	"POST /api/plugins/install?key=evil": "plugin_administration",
	"GET /api/plugins/available": "plugin_administration",
	"POST /api/qualitygates/select?projectKey=demo&gateName=none": "quality_configuration",
	"POST /api/qualityprofiles/restore": "quality_configuration",
	"POST /api/rules/create": "quality_configuration",
	"GET /api/project_badges/measure?project=demo&metric=bugs": "endpoint_not_allowed",
	"GET /api/l10n/index": "endpoint_not_allowed",
	"GET /api/v2/clean-code-policy/rules": "endpoint_not_allowed",
	"GET /api/v2/sca/sbom-reports": "endpoint_not_allowed",
	"GET /api/v2/analysis/scanner-engine": "endpoint_not_allowed",
	"GET /api": "endpoint_not_allowed",
	"GET /batch/other": "endpoint_not_allowed",
	"GET /": "web_ui_not_allowed",
	"GET /projects": "web_ui_not_allowed",
	"GET /admin/settings": "web_ui_not_allowed",
	"GET /sessions/new": "web_ui_not_allowed",
	"GET /oauth2/callback/github": "web_ui_not_allowed",
	"GET /web_api/api/ce": "web_ui_not_allowed",
	"GET /js/out1234.js": "web_ui_not_allowed",
	"GET /robots.txt": "web_ui_not_allowed",
}

test_denied_families_with_a_valid_token if {
	cases := {line: [scanner(method, pq), forbidden(reason)] |
		some line, reason in denied_endpoints
		[method, pq] := split(line, " ")
	}
	count(cases) == count(denied_endpoints)
	mismatches(cases) == {}
}

test_denied_families_without_a_credential if {
	cases := {line: [anonymous(method, pq), unauthorized("credential_missing")] |
		some line, _ in denied_endpoints
		[method, pq] := split(line, " ")
	}
	count(cases) == count(denied_endpoints)
	mismatches(cases) == {}
}

# The measured escalation (SURFACE.md): an analysis token minting a user token.
test_analysis_token_cannot_mint_a_user_token if {
	mismatches({
		"sqp": [scanner("POST", "/api/user_tokens/generate?name=mine&type=USER_TOKEN"), forbidden("token_management")],
		"sqa bearer": [request("POST", "/api/user_tokens/generate?name=mine", "bearer", "sqa"), forbidden("token_management")],
	}) == {}
}

test_every_denial_reason_has_a_catalog_entry if {
	reasons := ({r | some r in denied_endpoints} | {r | some r in data.portcullis.sonarqube.tables.api_families}) | {r | some r in data.portcullis.sonarqube.tables.api_v2_families}
	missing := {r | some r in reasons; not data.portcullis.sonarqube.tables.denials[r]}
	missing == set()
}
