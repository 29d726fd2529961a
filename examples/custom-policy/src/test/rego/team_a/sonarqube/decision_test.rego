# Team A's policy with the configuration the gateway runs it with: the default configuration
# (config/data.json of the default policy) with team-a-gateway.json merged over it, loaded by
# `opa test` under data.team_a_gateway.
package team_a.sonarqube_test

import data.team_a.sonarqube

deployed := object.union(data.portcullis.sonarqube.config, data.team_a_gateway.portcullis.sonarqube.config)

decide(inp) := d if {
	d := sonarqube.decision with input as inp with data.portcullis.sonarqube.config as deployed
}

# A request in the shape of the Java policy input, from one of the team's agents, with a
# verified credential of the given kind sent as Basic (or none for kind "none").
request(method, path_and_query, kind) := {
	"request": {
		"method": method,
		"path": path,
		"path_segments": array.slice(split(path, "/"), 1, count(split(path, "/"))),
		"query": urlquery.decode_object(concat("?", array.slice(parts, 1, count(parts)))),
		"headers": {},
		"header_names": _header_names(kind),
		"body": {"present": false, "chunked": false, "media_type": ""},
	},
	"client": {"ip": "198.51.100.20"},
	"credential": _credential(kind),
} if {
	parts := split(path_and_query, "?")
	path := parts[0]
}

_header_names("none") := ["host"]

_header_names(kind) := ["authorization", "host"] if kind != "none"

_credential("none") := {"present": false, "scheme": "none", "kind": "none", "valid": "unknown", "verifier": "none"}

_credential(kind) := {"present": true, "scheme": "basic", "kind": kind, "valid": "valid", "verifier": "asserted"} if kind != "none"

from(inp, ip) := object.union(inp, {"client": {"ip": ip}})

allowed(d) if {
	d.allow == true
	d.status == 200
}

denied(d, status, reason) if {
	d.allow == false
	d.status == status
	d.reasons == [reason]
}

test_a_team_scan_is_allowed if {
	allowed(decide(request("GET", "/api/settings/values.protobuf?component=team-a-billing", "sqp")))
	allowed(decide(request("GET", "/api/v2/analysis/active_rules?projectKey=team-a-billing", "sqa")))
	allowed(decide(request("GET", "/api/plugins/download?plugin=java", "sqp")))
}

test_a_report_upload_keeps_the_default_body_limit_and_parts if {
	inp := object.union(request("POST", "/api/ce/submit?projectKey=team-a-billing", "sqp"), {"request": {
		"headers": {"content-type": "multipart/form-data; boundary=x"},
		"body": {"present": true, "chunked": true, "media_type": "multipart/form-data"},
	}})
	d := decide(inp)
	allowed(d)
	d.max_body_bytes == 1073741824
	d.body_parts == ["report"]
}

test_other_projects_are_denied if {
	denied(decide(request("GET", "/api/settings/values.protobuf?component=team-b-billing", "sqp")), 403, "project_not_allowed")
	denied(decide(request("GET", "/api/settings/values.protobuf?component=team-a", "sqp")), 403, "project_not_allowed")
	denied(decide(request("GET", "/api/measures/component?component=Team-A-billing&metricKeys=coverage", "sqp")), 403, "project_not_allowed")
}

test_only_the_teams_networks if {
	inp := request("GET", "/api/settings/values.protobuf?component=team-a-billing", "sqp")
	allowed(decide(from(inp, "2001:db8:a:ffff::1")))
	denied(decide(from(inp, "198.51.101.20")), 403, "client_ip_not_allowed")
	denied(decide(from(inp, "2001:db8:b::1")), 403, "client_ip_not_allowed")
	denied(decide(from(inp, "203.0.113.10")), 403, "client_ip_not_allowed")
}

publish_calls := [
	"/api/server/version",
	"/api/ce/task?id=AYx1",
	"/api/qualitygates/project_status?analysisId=AYx2",
	"/api/measures/component?component=team-a-billing&metricKeys=new_violations,new_coverage",
]

test_publish_task_calls_with_a_project_analysis_token if {
	every target in publish_calls {
		allowed(decide(request("GET", target, "sqp")))
	}
}

test_publish_task_calls_with_other_tokens_are_denied if {
	every target in publish_calls {
		denied(decide(request("GET", target, "sqa")), 403, "project_analysis_token_required")
		denied(decide(request("GET", target, "squ")), 403, "project_analysis_token_required")
	}
}

# Kinds the default policy refuses keep its reason: its denials come first.
test_kinds_the_default_refuses_keep_its_reason if {
	denied(decide(request("GET", "/api/ce/task?id=AYx1", "sqb")), 403, "credential_kind_not_allowed")
	denied(decide(request("GET", "/api/ce/task?id=AYx1", "password")), 403, "credential_kind_not_allowed")
	inp := object.union(request("GET", "/api/ce/task?id=AYx1", "sqa"), {"credential": {"valid": "invalid"}})
	denied(decide(inp), 401, "credential_invalid")
}

test_the_version_stays_anonymous if {
	allowed(decide(request("GET", "/api/server/version", "none")))
	denied(decide(request("GET", "/api/ce/task?id=AYx1", "none")), 401, "credential_missing")
}

test_the_restriction_follows_the_context_path if {
	config := object.union(deployed, {"context_path": "/sonarqube"})
	inp := request("GET", "/sonarqube/api/ce/task?id=AYx1", "sqa")
	d := sonarqube.decision with input as inp with data.portcullis.sonarqube.config as config
	denied(d, 403, "project_analysis_token_required")
	sqp := sonarqube.decision with input as request("GET", "/sonarqube/api/ce/task?id=AYx1", "sqp")
		with data.portcullis.sonarqube.config as config
	allowed(sqp)
}

test_the_extra_endpoint if {
	allowed(decide(request("GET", "/api/new_code_periods/show?project=team-a-billing&branch=main", "sqp")))
	allowed(decide(request("GET", "/api/new_code_periods/show?project=team-a-billing", "sqa")))
	denied(decide(request("GET", "/api/new_code_periods/show?project=team-b-billing", "sqp")), 403, "project_not_allowed")
	denied(decide(request("GET", "/api/new_code_periods/show?project=team-a-billing&key=x", "sqp")), 403, "query_parameter_not_allowed")
	denied(decide(request("POST", "/api/new_code_periods/set?project=team-a-billing", "sqp")), 403, "endpoint_not_allowed")
	denied(decide(request("POST", "/api/new_code_periods/show?project=team-a-billing", "sqp")), 403, "method_not_allowed")
	denied(decide(request("GET", "/api/new_code_periods/show?project=team-a-billing", "none")), 401, "credential_missing")
}

test_the_default_policy_alone_does_not_list_the_extra_endpoint if {
	d := data.portcullis.sonarqube.decision with input as request("GET", "/api/new_code_periods/show?project=team-a-billing", "sqp")
	denied(d, 403, "endpoint_not_allowed")
}

test_sensitive_families_stay_denied if {
	denied(decide(request("GET", "/api/users/search", "sqp")), 403, "user_directory")
	denied(decide(request("POST", "/api/user_tokens/generate?name=x", "squ")), 403, "token_management")
	denied(decide(request("GET", "/api/measures/component_tree?component=team-a-billing", "sqp")), 403, "code_and_findings")
	denied(decide(request("GET", "/api/qualitygates/get_by_project?project=team-a-billing", "sqp")), 403, "quality_configuration")
	denied(decide(request("GET", "/api/ce/activity?component=team-a-billing", "sqp")), 403, "compute_engine_administration")
}
