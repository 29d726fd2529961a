# Every check that can deny a request. Each adds a reason code to `denials`; decision.rego picks
# the one with the lowest priority number (denial_catalog), so the order of the checks lives in
# one table and not in the order of these rules.
package portcullis.sonarqube

# 1. Client address.
denials contains "client_ip_not_allowed" if not client_ip_allowed

client_ip_allowed if allowed_client_cidrs == []

# An unparsable address or CIDR makes net.cidr_contains undefined: no match, so a deny.
client_ip_allowed if {
	some cidr in allowed_client_cidrs
	net.cidr_contains(cidr, input.client.ip)
}

# 2. Headers that authenticate by other means than the token (passcode, session cookie, SSO
# headers, GitHub webhook signature). No scanner sends them, so the request is denied rather than
# stripped: it is an attack or a misconfigured client.
denials contains "side_door_header" if {
	some name in header_names
	side_door_headers[name]
}

# 3. Context path.
denials contains "outside_context_path" if not rel_path

# 4. A credential that was presented must be good, even on anonymous endpoints.
denials contains "credential_invalid" if {
	credential_present
	credential_validity == "invalid"
}

denials contains "credential_unverified" if {
	credential_present
	credential_validity == "unknown"
	not accept_unverified_credentials
}

# 5. Path-level refusals that hold for every caller, so anonymous callers get 403 too.
denials contains "batch_file_not_allowed" if {
	route == "/batch/file"
	not batch_file_name_allowed
}

denials contains "static_resource_not_allowed" if {
	segments[1] == "static"
	not static_resource_allowed
}

# 6. Everything except the anonymous bootstrap endpoints needs a credential.
denials contains "credential_missing" if {
	not credential_present
	not anonymous_bootstrap
}

anonymous_bootstrap if {
	not strict_mode
	endpoint.anonymous == true
}

# 7. Credential kind (e.g. badge tokens, passwords).
denials contains "credential_kind_not_allowed" if {
	credential_present
	not credential_kind in allowed_credential_kinds
}

# 8. Endpoint allow-list.
denials contains reason if {
	rel_path
	not endpoint
	reason := unlisted_path_reason
}

unlisted_path_reason := api_families[segments[2]] if {
	segments[1] == "api"
} else := api_v2_families[segments[3]] if {
	segments[1] == "api"
	segments[2] == "v2"
} else := "endpoint_not_allowed" if {
	segments[1] in {"api", "batch"}
} else := "web_ui_not_allowed"

denials contains "branch_analysis_disabled" if {
	endpoint.branch_analysis == true
	not allow_branch_analysis
}

# 9. Method (HEAD included: no scanner sends it).
denials contains "method_not_allowed" if {
	endpoint.method != method
}

# 10. Query parameters.
denials contains "query_parameter_not_allowed" if {
	reject_unknown_query_parameters
	some name, _ in query
	endpoint
	not endpoint.params[name]
}

# Parameter pollution: front end and back end may disagree on which value counts.
denials contains "duplicate_project_parameter" if {
	some name, values in query
	endpoint.params[name] == "project"
	count(values) > 1
}

denials contains "project_not_allowed" if {
	some name, values in query
	endpoint.params[name] == "project"
	some key in values
	not project_key_allowed(key)
	not dotnet_authentication_probe(name, key)
}

# No delimiters: "*" also matches ":", "/" and ".", which project keys may contain.
project_key_allowed(_) if allowed_project_keys == []

project_key_allowed(key) if {
	some pattern in allowed_project_keys
	glob.match(pattern, null, key)
}

# The .NET scanner's first call checks the token with a project key that should not exist.
dotnet_authentication_probe("component", "unknown") if route == "/api/settings/values"

# 11. Report size, when the request declares it (a chunked upload must be capped by the proxy).
denials contains "report_too_large" if {
	route == "/api/ce/submit"
	input.request.content_length > max_report_bytes
}
