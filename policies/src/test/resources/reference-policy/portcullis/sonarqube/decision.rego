# The decision for one request: {"allow", "status", "reasons", "message"}. Entrypoint
# portcullis/sonarqube/decision. It is always defined; when no rule below applies (which would be
# a bug in this policy) the fallback denies.
package portcullis.sonarqube

default decision := {
	"allow": false,
	"status": 403,
	"reasons": ["policy_fallback"],
	"message": "The gateway policy reached no decision.",
}

# The first failing check (denials.rego) decides; with none, the request is allowed. A reason
# missing from the catalog makes the deny branch undefined while first_denial is still defined,
# so neither allow branch applies and the decision falls back to a deny.
decision := {
	"allow": false,
	"status": entry.status,
	"reasons": [first_denial],
	"message": entry.message,
} if {
	entry := denial_catalog[first_denial]
} else := _allow("scanner_endpoint") if {
	not first_denial
	credential_present
} else := _allow("anonymous_bootstrap") if {
	not first_denial
}

# An allow; on an endpoint that takes a body, with the most bytes the proxy may stream of it,
# which also caps chunked uploads that declare no length.
_allow(reason) := {
	"allow": true,
	"status": 200,
	"reasons": [reason],
	"message": "Allowed.",
	"max_body_bytes": max_report_bytes,
} if {
	object.get(endpoint, "body", []) != []
} else := {
	"allow": true,
	"status": 200,
	"reasons": [reason],
	"message": "Allowed.",
}

denial_catalog["client_ip_not_allowed"] := _deny(10, 403, "Requests from this client address are not allowed.")

denial_catalog["side_door_header"] := _deny(20, 403, "The request carries a header that could bypass token authentication or override the method.")

denial_catalog["outside_context_path"] := _deny(30, 403, "The path is outside the SonarQube context path.")

denial_catalog["credential_invalid"] := _deny(40, 401, "The credential was rejected.")

denial_catalog["credential_unverified"] := _deny(41, 401, "The credential could not be verified.")

denial_catalog["batch_file_not_allowed"] := _deny(50, 403, "Only the scanner engine jar can be downloaded from /batch/file.")

denial_catalog["static_resource_not_allowed"] := _deny(51, 403, "Only analyzer archives of allowed plugins can be downloaded from /static.")

denial_catalog["credential_missing"] := _deny(60, 401, "A SonarQube token is required.")

denial_catalog["credential_kind_not_allowed"] := _deny(70, 403, "This kind of credential is not allowed through the gateway.")

denial_catalog["branch_analysis_disabled"] := _deny(80, 403, "Branch and pull request analysis is disabled at the gateway.")

denial_catalog["endpoint_not_allowed"] := _deny(80, 403, "This endpoint is not needed by scanners.")

denial_catalog["web_ui_not_allowed"] := _deny(80, 403, "The web interface is not available through the scanner gateway.")

denial_catalog["user_directory"] := _deny(80, 403, "User directory endpoints are not available to scanners.")

denial_catalog["token_management"] := _deny(80, 403, "Token management is not available to scanners.")

denial_catalog["permission_management"] := _deny(80, 403, "Permission management is not available to scanners.")

denial_catalog["system_administration"] := _deny(80, 403, "System administration is not available to scanners.")

denial_catalog["settings_administration"] := _deny(80, 403, "Only reading setting values is available to scanners.")

denial_catalog["integration_settings"] := _deny(80, 403, "Webhooks and DevOps integrations are not available to scanners.")

denial_catalog["api_enumeration"] := _deny(80, 403, "The web service catalogue is not available to scanners.")

denial_catalog["project_listing"] := _deny(80, 403, "Project administration and listing are not available to scanners.")

denial_catalog["code_and_findings"] := _deny(80, 403, "Source code and findings are not available to scanners.")

denial_catalog["authentication_endpoints"] := _deny(80, 403, "Authentication endpoints are not available to scanners.")

denial_catalog["compute_engine_administration"] := _deny(80, 403, "Only submitting reports and reading their tasks is available to scanners.")

denial_catalog["plugin_administration"] := _deny(80, 403, "Only listing and downloading plugins is available to scanners.")

denial_catalog["quality_configuration"] := _deny(80, 403, "Only the quality profile, rule and gate reads that scanners need are available.")

denial_catalog["method_not_allowed"] := _deny(90, 403, "This method is not allowed on this endpoint.")

denial_catalog["body_not_allowed"] := _deny(95, 403, "This endpoint takes no request body, or not of this content type.")

denial_catalog["query_parameter_not_allowed"] := _deny(100, 403, "A query parameter is not allowed on this endpoint.")

denial_catalog["duplicate_project_parameter"] := _deny(101, 403, "A project parameter is given more than once.")

denial_catalog["parameter_value_invalid"] := _deny(102, 400, "A parameter value does not have the expected format.")

denial_catalog["project_parameter_not_in_query"] := _deny(103, 403, "The project key must be given in the query string.")

denial_catalog["project_not_allowed"] := _deny(104, 403, "This project is not allowed through the gateway.")

denial_catalog["report_too_large"] := _deny(110, 413, "The analysis report is larger than the gateway allows.")

_deny(priority, status, message) := {"priority": priority, "status": status, "message": message}
