# Every check that can deny a request, in the order of their priority in denial_catalog
# (decision.rego): `first_denial` is the reason of the first check that fails.
#
# One `else` chain rather than a set of all denials that is then sorted: the compiled policy
# stops at the first failing check and builds no set, no array and no sort on each request. The
# order below must follow the catalog priorities; the only equal priorities (80) cannot fire
# together (an unlisted path against a listed endpoint), so the order among them is free.
#
# Cost model (opa build -t wasm, run by Chicory): every rule without arguments is memoized per
# evaluation, and that bookkeeping costs about as much as a handful of lookups. So values read
# once on the hot path (an allowed scanner request) are written inline or as functions, which
# are not memoized; rules remain for values read several times (rel_path, endpoint, ...).
package portcullis.sonarqube

# 1. Client address.
first_denial := "client_ip_not_allowed" if {
	# A missing setting means "any client", like the shipped empty list.
	cidrs := _config.allowed_client_cidrs
	cidrs != []
	not _client_ip_in(cidrs)
} else := "side_door_header" if {
	# 2. Headers that authenticate by other means than the token (passcode, session cookie, SSO
	# headers, GitHub webhook signature). No scanner sends them, so the request is denied rather
	# than stripped: it is an attack or a misconfigured client.
	some name in input.request.header_names
	_side_door_header(name)
} else := "outside_context_path" if {
	# 3. Context path.
	not rel_path
} else := "credential_invalid" if {
	# 4. A credential that was presented must be good, even on anonymous endpoints.
	# Anything other than the documented "valid" and "unknown" counts as invalid.
	credential_present
	not input.credential.valid == "valid"
	not input.credential.valid == "unknown"
} else := "credential_unverified" if {
	credential_present
	input.credential.valid == "unknown"
	not accept_unverified_credentials
} else := "batch_file_not_allowed" if {
	# 5. Path-level refusals that hold for every caller, so anonymous callers get 403 too.
	rel_path == "/batch/file"
	not batch_file_name_allowed
} else := "static_resource_not_allowed" if {
	# A necessary condition first: it spares the hot path the array that split() builds.
	contains(rel_path, "static")
	segments[1] == "static"
	not static_resource_allowed
} else := "credential_missing" if {
	# 6. Everything except the anonymous bootstrap endpoints needs a credential.
	not credential_present
	not anonymous_bootstrap
} else := "credential_kind_not_allowed" if {
	# 7. Credential kind (e.g. badge tokens, passwords).
	credential_present
	not _credential_kind(input) in _allowed_credential_kinds(_config)
} else := "credential_kind_not_allowed" if {
	# Narrowed further by an extra endpoint's own list (only extra endpoints have one).
	credential_present
	kinds := endpoint.credential_kinds
	not _credential_kind(input) in kinds
} else := unlisted_path_reason if {
	# 8. Endpoint allow-list (rel_path is defined from here on: check 3 passed).
	not endpoint
} else := "branch_analysis_disabled" if {
	endpoint.branch_analysis == true
	not allow_branch_analysis
} else := "method_not_allowed" if {
	# 9. Method (HEAD included: no scanner sends it).
	# A missing method matches none.
	not endpoint.method == input.request.method
} else := "body_not_allowed" if {
	# A body the endpoint does not take, or a form content type it does not take
	# (parameters.rego): the server would read parameters from it that the policy never saw.
	body_not_allowed
} else := "query_parameter_not_allowed" if {
	# 10. Query parameters.
	# A missing setting leaves the check on.
	not _config.reject_unknown_query_parameters == false
	some name, _ in query
	not endpoint.params[name]
} else := "duplicate_project_parameter" if {
	# Parameter pollution: front end and back end may disagree on which value counts.
	some name, values in query
	endpoint.params[name] == "project"
	count(values) > 1
} else := "parameter_value_invalid" if {
	parameter_value_invalid
} else := "project_parameter_not_in_query" if {
	project_parameter_not_in_query
} else := "project_not_allowed" if {
	# An empty list (shipped) or no setting allows every project; a value of another type none.
	patterns := _config.allowed_project_keys
	patterns != []
	some name, values in query
	endpoint.params[name] == "project"
	some key in values
	not _project_key_allowed(patterns, key)
	not dotnet_authentication_probe(name, key)
} else := "report_too_large" if {
	# 11. Report size, when the request declares it (a chunked upload must be capped by the proxy).
	rel_path == "/api/ce/submit"
	input.request.content_length > max_report_bytes
}

# Headers that authenticate by other means than the token, and method overrides, which let a
# GET carry another method to frameworks that honour them; the overrides are not configurable.
_side_door_header(name) if side_door_headers[name]

_side_door_header(name) if _method_override_headers[name]

_method_override_headers := {"x-http-method-override", "x-http-method", "x-method-override"}

# An unparsable address or CIDR makes net.cidr_contains undefined: no match, so a deny. A value
# that is not a list matches no client.
_client_ip_in(cidrs) if {
	some cidr in cidrs
	net.cidr_contains(cidr, input.client.ip)
}

anonymous_bootstrap if {
	not strict_mode
	endpoint.anonymous == true
}

unlisted_path_reason := api_families[segments[2]] if {
	segments[1] == "api"
} else := api_v2_families[segments[3]] if {
	segments[1] == "api"
	segments[2] == "v2"
} else := "endpoint_not_allowed" if {
	segments[1] in {"api", "batch"}
} else := "web_ui_not_allowed"

# No delimiters: "*" also matches ":", "/" and ".", which project keys may contain.
_project_key_allowed(patterns, key) if {
	some pattern in patterns
	glob.match(pattern, null, key)
}

# The .NET scanner's first call checks the token with a project key that should not exist.
dotnet_authentication_probe("component", "unknown") if rel_path == "/api/settings/values"
