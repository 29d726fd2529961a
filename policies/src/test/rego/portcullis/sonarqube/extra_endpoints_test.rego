# extra_endpoints (config.rego): an extra endpoint goes through every check a built-in one does,
# a malformed entry is ignored, and no entry re-opens a denied family.
package portcullis.sonarqube_test

# A call that a newer SonarQube might add for scanners.
licenses := {
	"path": "/api/v2/analysis/licenses",
	"methods": ["GET"],
	"params": {"projectKey": "project", "branch": "branch", "ps": "number"},
}

outcome_with_extras(entries, inp) := outcome_with({"extra_endpoints": entries}, inp)

mismatches_with_extras(entries, cases) := mismatches_with({"extra_endpoints": entries}, cases)

test_an_extra_endpoint_is_allowed_like_a_built_in_one if {
	mismatches_with_extras([licenses], {
		"plain": [scanner_bearer("GET", "/api/v2/analysis/licenses"), allow],
		"params": [scanner("GET", "/api/v2/analysis/licenses?projectKey=demo&branch=feature/x&ps=10"), allow],
		"method": [with_body(scanner("POST", "/api/v2/analysis/licenses"), false, ""), forbidden("method_not_allowed")],
		"unknown parameter": [scanner("GET", "/api/v2/analysis/licenses?key=secret"), forbidden("query_parameter_not_allowed")],
		"bad value": [scanner("GET", "/api/v2/analysis/licenses?ps=ten"), deny(400, "parameter_value_invalid")],
		"duplicate project": [scanner("GET", "/api/v2/analysis/licenses?projectKey=a&projectKey=b"), forbidden("duplicate_project_parameter")],
		"form body": [with_body(scanner("GET", "/api/v2/analysis/licenses"), true, "multipart/form-data"), forbidden("body_not_allowed")],
		"any body": [with_body(scanner("GET", "/api/v2/analysis/licenses"), true, "application/json"), forbidden("body_not_allowed")],
		"no credential": [anonymous("GET", "/api/v2/analysis/licenses"), unauthorized("credential_missing")],
		"invalid credential": [with_credential(scanner("GET", "/api/v2/analysis/licenses"), "sqp", "invalid"), unauthorized("credential_invalid")],
		"badge token": [with_credential(scanner("GET", "/api/v2/analysis/licenses"), "sqb", "valid"), forbidden("credential_kind_not_allowed")],
		"trailing slash": [scanner("GET", "/api/v2/analysis/licenses/"), forbidden("endpoint_not_allowed")],
		"longer": [scanner("GET", "/api/v2/analysis/licenses/x"), forbidden("endpoint_not_allowed")],
		"case": [scanner("GET", "/api/v2/analysis/Licenses"), forbidden("endpoint_not_allowed")],
		"side door": [with_headers(scanner("GET", "/api/v2/analysis/licenses"), ["authorization", "cookie"]), forbidden("side_door_header")],
	}) == {}
}

test_an_extra_post_takes_no_body if {
	entry := {"path": "/api/v2/analysis/usage", "methods": ["GET", "POST"], "params": {"count": "number"}}
	mismatches_with_extras([entry], {
		"get": [scanner("GET", "/api/v2/analysis/usage?count=1"), allow],
		"post": [with_body(scanner("POST", "/api/v2/analysis/usage?count=1"), false, ""), allow],
		"post multipart": [scanner("POST", "/api/v2/analysis/usage?count=1"), forbidden("body_not_allowed")],
		"post urlencoded": [with_body(scanner("POST", "/api/v2/analysis/usage"), true, "application/x-www-form-urlencoded"), forbidden("body_not_allowed")],
		"head": [scanner("HEAD", "/api/v2/analysis/usage"), forbidden("method_not_allowed")],
	}) == {}
}

test_an_extra_endpoint_keeps_the_project_restriction if {
	config := {"extra_endpoints": [licenses], "allowed_project_keys": ["team-a-*"]}
	mismatches_with(config, {
		"allowed": [scanner("GET", "/api/v2/analysis/licenses?projectKey=team-a-web"), allow],
		"other": [scanner("GET", "/api/v2/analysis/licenses?projectKey=team-b-web"), forbidden("project_not_allowed")],
		"invalid": [scanner("GET", "/api/v2/analysis/licenses?projectKey=a%0Ab"), deny(400, "parameter_value_invalid")],
	}) == {}
}

test_an_extra_endpoint_lies_under_the_context_path if {
	config := {"extra_endpoints": [licenses], "context_path": "/sonarqube"}
	mismatches_with(config, {
		"inside": [scanner("GET", "/sonarqube/api/v2/analysis/licenses"), allow],
		"outside": [scanner("GET", "/api/v2/analysis/licenses"), forbidden("outside_context_path")],
	}) == {}
}

test_anonymous_extra_endpoints if {
	open := object.union(licenses, {"anonymous": true})
	mismatches_with_extras([open], {
		"anonymous": [anonymous("GET", "/api/v2/analysis/licenses"), allow_anonymous],
		"with a token": [scanner("GET", "/api/v2/analysis/licenses"), allow],
		"invalid token": [with_credential(scanner("GET", "/api/v2/analysis/licenses"), "sqp", "invalid"), unauthorized("credential_invalid")],
	}) == {}
	outcome_with({"extra_endpoints": [open], "strict_mode": true}, anonymous("GET", "/api/v2/analysis/licenses")) == unauthorized("credential_missing")
	outcome_with_extras([object.union(licenses, {"anonymous": false})], anonymous("GET", "/api/v2/analysis/licenses")) == unauthorized("credential_missing")
}

test_extra_endpoint_credential_kinds_narrow_the_allowed_kinds if {
	only_sqa := object.union(licenses, {"credential_kinds": ["sqa", "sqb"]})
	mismatches_with_extras([only_sqa], {
		"sqa": [request("GET", "/api/v2/analysis/licenses", "bearer", "sqa"), allow],
		"sqp": [request("GET", "/api/v2/analysis/licenses", "bearer", "sqp"), forbidden("credential_kind_not_allowed")],
		"sqb is still not allowed": [request("GET", "/api/v2/analysis/licenses", "bearer", "sqb"), forbidden("credential_kind_not_allowed")],
		"other endpoints": [scanner("GET", "/api/plugins/installed"), allow],
	}) == {}
}

test_a_built_in_entry_wins_over_an_extra_one if {
	mismatches_with_extras([{"path": "/api/server/version", "methods": ["POST"], "params": {"x": "text"}}], {
		"anonymous": [anonymous("GET", "/api/server/version"), allow_anonymous],
		"param": [scanner("GET", "/api/server/version?x=1"), forbidden("query_parameter_not_allowed")],
	}) == {}
}

malformed_entries := {
	"unknown field": object.union(licenses, {"body": ["application/json"]}),
	"path missing": object.remove(licenses, ["path"]),
	"path not a string": object.union(licenses, {"path": ["/api/v2/analysis/licenses"]}),
	"methods missing": object.remove(licenses, ["methods"]),
	"methods a string": object.union(licenses, {"methods": "GET"}),
	"methods empty": object.union(licenses, {"methods": []}),
	"method lower-case": object.union(licenses, {"methods": ["get"]}),
	"method DELETE": object.union(licenses, {"methods": ["GET", "DELETE"]}),
	"params a list": object.union(licenses, {"params": ["projectKey"]}),
	"unknown kind": {"path": licenses.path, "methods": ["GET"], "params": {"projectKey": "anything"}},
	"kind not a string": {"path": licenses.path, "methods": ["GET"], "params": {"ps": 1}},
	"bad parameter name": {"path": licenses.path, "methods": ["GET"], "params": {"a b": "text"}},
	"long parameter name": {"path": licenses.path, "methods": ["GET"], "params": {concat("", array.concat(["p"], [x | some _ in numbers.range(1, 64); x := "a"])): "text"}},
	"anonymous a string": object.union(licenses, {"anonymous": "true"}),
	"kinds a string": object.union(licenses, {"credential_kinds": "sqp"}),
	"kinds empty": object.union(licenses, {"credential_kinds": []}),
	"kinds not strings": object.union(licenses, {"credential_kinds": [1]}),
}

test_a_malformed_entry_is_ignored if {
	got := {name: outcome_with_extras([entry], scanner("GET", "/api/v2/analysis/licenses")) | some name, entry in malformed_entries}
	count(got) == count(malformed_entries)
	{name | some name, o in got; o != forbidden("endpoint_not_allowed")} == set()

	# The same entries, well-formed, are used: it is the malformed part that disqualifies them.
	outcome_with_extras([licenses], scanner("GET", "/api/v2/analysis/licenses")) == allow
}

test_a_path_listed_twice_is_used_by_neither_entry if {
	outcome_with_extras([licenses, licenses], scanner("GET", "/api/v2/analysis/licenses")) == forbidden("endpoint_not_allowed")
	outcome_with_extras([licenses, "junk", 7], scanner("GET", "/api/v2/analysis/licenses")) == allow
	outcome_with_extras({"licenses": licenses}, scanner("GET", "/api/v2/analysis/licenses")) == forbidden("endpoint_not_allowed")
}

# Paths that are not exact canonical paths under /api/, each requested exactly as written.
non_canonical_paths := [
	"/api/v2/analysis/licenses/",
	"/api/v2/analysis//licenses",
	"/api/v2/analysis/../../users/search",
	"/api/v2/analysis/./licenses",
	"/api/v2/analysis/%2e%2e/%2e%2e/users/search",
	"/api/v2/analysis/licenses;x=1",
	"/api/v2/analysis/lic*",
	"/api/v2/analysis/l\\icenses",
	"/api/v2/analysis/li censes",
	"/api/v2/analysis/.hidden",
	"api/v2/analysis/licenses",
	"/API/v2/analysis/licenses",
	"/api",
	"/batch/licenses",
	"/static/evil/x.zip",
	"/sonarqube/api/v2/analysis/licenses",
	"/",
	"",
]

test_a_non_canonical_path_is_ignored if {
	allowed := {path |
		some path in non_canonical_paths
		entry := object.union(licenses, {"path": path, "anonymous": true})
		outcome_with_extras([entry], scanner("GET", path))[0] == true
	}
	allowed == set()
	not extra_endpoint_path_valid_for(concat("", ["/api/", concat("", [x | some _ in numbers.range(1, 200); x := "a"])]))
	extra_endpoint_path_valid_for("/api/v2/analysis/licenses")
}

extra_endpoint_path_valid_for(path) if data.portcullis.sonarqube.extra_endpoint_path_valid(path)

# Hostile entries naming denied families, in any spelling; each is requested as written, with
# the parameters it lists, by a valid token and anonymously.
denied_family_paths := [
	"/api/users/search",
	"/api/USERS/search",
	"/api/Users/search",
	"/api/users.json/search",
	"/api/users-management/search",
	"/api/users_management/search",
	"/api/user_tokens/generate",
	"/api/user-tokens/generate",
	"/api/User_Tokens/revoke",
	"/api/permissions/add_user",
	"/api/user_groups/create",
	"/api/system/info",
	"/api/monitoring/metrics",
	"/api/settings/set",
	"/api/settings/values.json",
	"/api/webhooks/create",
	"/api/alm_settings/list",
	"/api/alm_integrations/import",
	"/api/webservices/list",
	"/api/projects/search",
	"/api/components/search",
	"/api/project_analyses/search",
	"/api/project_branches/delete",
	"/api/project_pull_requests/delete",
	"/api/issues/search",
	"/api/hotspots/search",
	"/api/sources/raw",
	"/api/duplications/show",
	"/api/navigation/global",
	"/api/measures/search_history",
	"/api/authentication/login",
	"/api/ce/activity",
	"/api/ce/submit",
	"/api/plugins/install",
	"/api/qualityprofiles/restore",
	"/api/qualitygates/select",
	"/api/rules/create",
	"/api/v2/users-management/users",
	"/api/v2/Users-Management/users",
	"/api/v2/users_management/users",
	"/api/V2/authorizations/groups",
	"/api/v2/dop-translation/bound-projects",
	"/api/v2/system/health",
	"/api/v2/system.json/health",
	"/api/v2/users/search",
	"/api/v2/projects/search",
	"/api/settings",
	"/api/v2/system",
]

hostile_entry(path) := {
	"path": path,
	"methods": ["GET", "POST"],
	"params": {"key": "text", "name": "text", "project": "project", "login": "text", "value": "text"},
	"anonymous": true,
	"credential_kinds": ["sqp", "sqa", "squ", "sqb", "other", "password", "none"],
}

# Each path listed as an extra endpoint that takes any token or none, and requested as written
# with the parameters it lists, by a valid token (GET) and anonymously (POST). In four parts so
# that each test stays well within opa test's timeout on a loaded machine.
test_no_extra_entry_reopens_a_denied_family_1 if reopened_families(0) == set()

test_no_extra_entry_reopens_a_denied_family_2 if reopened_families(1) == set()

test_no_extra_entry_reopens_a_denied_family_3 if reopened_families(2) == set()

test_no_extra_entry_reopens_a_denied_family_4 if reopened_families(3) == set()

test_the_four_parts_cover_every_path if {
	count(denied_family_paths) <= 48
	count(denied_family_paths) > 36
}

# One `with` around all the decisions rather than one per decision: replacing data is what
# costs most in opa test.
reopened_families(part) := reopened if {
	paths := array.slice(denied_family_paths, part * 12, (part + 1) * 12)
	config := object.union(shipped, {
		"extra_endpoints": [hostile_entry(path) | some path in denied_family_paths],
		"allowed_credential_kinds": ["sqp", "sqa", "squ", "sqb", "other", "password"],
	})
	reopened := _allowed_requests(paths) with data.portcullis.sonarqube.config as config
}

_allowed_requests(paths) := {[who, path] |
	some path in paths
	some who, inp in {
		"token": scanner("GET", concat("", [path, "?key=k&name=n&project=demo&value=v"])),
		"anonymous": with_body(anonymous("POST", path), false, ""),
	}
	decide(inp).allow != false
}

test_every_hostile_path_is_in_a_denied_family if {
	every path in denied_family_paths {
		data.portcullis.sonarqube.in_denied_family(path)
	}
}

# The families' own test table (families_test.rego), with every path of a denied family listed
# as an extra endpoint: every decision stays the same.
family_endpoints := {line: reason |
	some line, reason in denied_endpoints
	not reason in {"endpoint_not_allowed", "web_ui_not_allowed"}
}

_changed_families(lines) := {line |
	some line in lines
	[method, pq] := split(line, " ")
	outcome(scanner(method, pq)) != forbidden(family_endpoints[line])
}

family_endpoint_entries := [{"path": path, "methods": [method], "params": {name: "text" | some name, _ in query}, "anonymous": true} |
	some line, _ in family_endpoints
	[method, pq] := split(line, " ")
	parts := split(pq, "?")
	path := parts[0]
	query := _query(parts)
]

changed_families(part) := changed if {
	lines := array.slice(sort(object.keys(family_endpoints)), part * 24, (part + 1) * 24)
	config := object.union(shipped, {"extra_endpoints": family_endpoint_entries})
	changed := _changed_families(lines) with data.portcullis.sonarqube.config as config
}

test_denied_families_are_unchanged_by_extra_entries_1 if changed_families(0) == set()

test_denied_families_are_unchanged_by_extra_entries_2 if {
	changed_families(1) == set()
	count(family_endpoint_entries) == count(family_endpoints)
	count(family_endpoints) > 40
	count(family_endpoints) <= 48
}
