# Each setting of data.portcullis.sonarqube.config, and the guarantee that a missing or
# malformed configuration never opens more than the shipped defaults.
package portcullis.sonarqube_test

shipped := data.portcullis.sonarqube.config

# Outcomes under a config that differs from the shipped one in the given keys.
outcome_with(overrides, inp) := got if {
	got := outcome(inp) with data.portcullis.sonarqube.config as object.union(shipped, overrides)
}

mismatches_with(overrides, cases) := {name: {"want": c[1], "got": got} |
	some name, c in cases
	got := outcome_with(overrides, c[0])
	got != c[1]
}

representative_requests := {
	"observed settings": scanner("GET", "/api/settings/values.protobuf?component=demo"),
	"anonymous version": anonymous("GET", "/api/server/version"),
	"anonymous static": anonymous("GET", "/static/csharp/SonarAnalyzer.zip"),
	"anonymous ui": anonymous("GET", "/projects"),
	"users": scanner("GET", "/api/users/search"),
	"badge token": with_credential(scanner("GET", "/api/plugins/installed"), "sqb", "valid"),
	"unverified": with_credential(scanner("GET", "/api/plugins/installed"), "sqp", "unknown"),
	"branches": scanner("GET", "/api/project_branches/list?project=demo"),
	"unknown parameter": scanner("GET", "/api/plugins/installed?x=1"),
	"big report": with_(scanner("POST", "/api/ce/submit?projectKey=demo"), {"request": {"content_length": 1073741825}}),
	"cookie": with_headers(scanner("GET", "/api/plugins/installed"), ["authorization", "cookie"]),
	"sso header": with_headers(anonymous("GET", "/api/server/version"), ["x-forwarded-login"]),
}

test_shipped_config_has_every_setting if {
	object.keys(shipped) == {
		"strict_mode", "accept_unverified_credentials", "allowed_credential_kinds",
		"allowed_client_cidrs", "allowed_project_keys", "max_report_bytes",
		"reject_unknown_query_parameters", "allow_branch_analysis", "static_analyzer_plugins",
		"side_door_headers", "context_path", "extra_endpoints",
	}
}

# The fallbacks in config.rego equal the shipped defaults.
test_missing_config_gives_the_same_decisions if {
	differences := {name: [with_data, without] |
		some name, inp in representative_requests
		with_data := decide(inp)
		without := decide(inp) with data.portcullis.sonarqube.config as {}
		with_data != without
	}
	differences == {}
}

test_config_of_the_wrong_type_is_ignored if {
	differences := {name |
		some name, inp in representative_requests
		decide(inp) != decide(inp) with data.portcullis.sonarqube.config as "strict_mode=false"
	}
	differences == set()
}

test_wrongly_typed_settings_fail_closed if {
	mismatches_with({"strict_mode": "no"}, {"strict": [anonymous("GET", "/api/server/version"), unauthorized("credential_missing")]}) == {}
	mismatches_with({"accept_unverified_credentials": "yes"}, {"unverified": [with_credential(scanner("GET", "/api/plugins/installed"), "sqp", "unknown"), unauthorized("credential_unverified")]}) == {}
	mismatches_with({"allow_branch_analysis": "yes"}, {"branches": [scanner("GET", "/api/project_branches/list?project=demo"), forbidden("branch_analysis_disabled")]}) == {}
	mismatches_with({"reject_unknown_query_parameters": 0}, {"extra": [scanner("GET", "/api/plugins/installed?x=1"), forbidden("query_parameter_not_allowed")]}) == {}
	mismatches_with({"max_report_bytes": "1GB"}, {"submit": [with_(scanner("POST", "/api/ce/submit?projectKey=demo"), {"request": {"content_length": 10}}), deny(413, "report_too_large")]}) == {}
	mismatches_with({"allowed_client_cidrs": "203.0.113.0/24"}, {"ip": [scanner("GET", "/api/plugins/installed"), forbidden("client_ip_not_allowed")]}) == {}
	mismatches_with({"allowed_client_cidrs": [42]}, {"ip": [scanner("GET", "/api/plugins/installed"), forbidden("client_ip_not_allowed")]}) == {}
	mismatches_with({"allowed_project_keys": "demo"}, {"project": [scanner("GET", "/api/settings/values.protobuf?component=demo"), forbidden("project_not_allowed")]}) == {}
	mismatches_with({"allowed_credential_kinds": "sqp"}, {"kind": [scanner("GET", "/api/plugins/installed"), forbidden("credential_kind_not_allowed")]}) == {}
	mismatches_with({"side_door_headers": "cookie"}, {"cookie": [with_headers(scanner("GET", "/api/plugins/installed"), ["authorization", "cookie"]), forbidden("side_door_header")]}) == {}
	mismatches_with({"static_analyzer_plugins": "csharp"}, {"static": [anonymous("GET", "/static/csharp/a.zip"), forbidden("static_resource_not_allowed")]}) == {}
	mismatches_with({"context_path": 7}, {"context": [scanner("GET", "/api/plugins/installed"), forbidden("outside_context_path")]}) == {}
}

test_strict_mode if {
	mismatches_with({"strict_mode": true}, {
		"anonymous version": [anonymous("GET", "/api/server/version"), unauthorized("credential_missing")],
		"anonymous index": [anonymous("GET", "/batch/index"), unauthorized("credential_missing")],
		"anonymous engine jar": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-9.9.5-all.jar"), unauthorized("credential_missing")],
		"anonymous analyzer": [anonymous("GET", "/static/csharp/SonarAnalyzer.zip"), unauthorized("credential_missing")],
		"token version": [scanner("GET", "/api/server/version"), allow],
		"token analyzer": [scanner("GET", "/static/csharp/SonarAnalyzer.zip"), allow],
		"bad jar name still 403": [anonymous("GET", "/batch/file?name=evil.jar"), forbidden("batch_file_not_allowed")],
	}) == {}
}

test_allowed_client_cidrs if {
	mismatches_with({"allowed_client_cidrs": ["203.0.113.0/24", "2001:db8::/32"]}, {
		"ipv4 inside": [scanner("GET", "/api/plugins/installed"), allow],
		"ipv4 outside": [with_(scanner("GET", "/api/plugins/installed"), {"client": {"ip": "198.51.100.7"}}), forbidden("client_ip_not_allowed")],
		"ipv6 inside": [with_(scanner("GET", "/api/plugins/installed"), {"client": {"ip": "2001:db8::7"}}), allow],
		"ipv6 outside": [with_(scanner("GET", "/api/plugins/installed"), {"client": {"ip": "2001:db9::7"}}), forbidden("client_ip_not_allowed")],
		"not an address": [with_(scanner("GET", "/api/plugins/installed"), {"client": {"ip": "localhost"}}), forbidden("client_ip_not_allowed")],
		"anonymous outside": [with_(anonymous("GET", "/api/server/version"), {"client": {"ip": "198.51.100.7"}}), forbidden("client_ip_not_allowed")],
		"checked before the credential": [
			with_(with_credential(scanner("GET", "/api/plugins/installed"), "sqp", "invalid"), {"client": {"ip": "198.51.100.7"}}),
			forbidden("client_ip_not_allowed"),
		],
	}) == {}
}

test_allowed_project_keys_match_keys_with_separators if {
	mismatches_with({"allowed_project_keys": ["team-*", "org:group/app.main"]}, {
		"glob over : / .": [scanner("GET", "/api/settings/values.protobuf?component=team-a%3Ab%2Fc.d"), allow],
		"exact key": [scanner("GET", "/api/settings/values.protobuf?component=org%3Agroup%2Fapp.main"), allow],
		"other project": [scanner("GET", "/api/settings/values.protobuf?component=other"), forbidden("project_not_allowed")],
		"prefix is not enough": [scanner("GET", "/api/settings/values.protobuf?component=org%3Agroup%2Fapp.main2"), forbidden("project_not_allowed")],
		"submit": [scanner("POST", "/api/ce/submit?projectKey=team-x"), allow],
		"submit other": [scanner("POST", "/api/ce/submit?projectKey=victim"), forbidden("project_not_allowed")],
		"legacy project data": [scanner("GET", "/batch/project.protobuf?key=victim"), forbidden("project_not_allowed")],
		"profiles by projectKey": [scanner("GET", "/api/qualityprofiles/search?projectKey=victim"), forbidden("project_not_allowed")],
		"active rules": [scanner("GET", "/api/v2/analysis/active_rules?projectKey=victim"), forbidden("project_not_allowed")],
		"gate": [scanner("GET", "/api/qualitygates/project_status?projectKey=victim"), forbidden("project_not_allowed")],
		"measures": [scanner("GET", "/api/measures/component?component=victim&metricKeys=bugs"), forbidden("project_not_allowed")],
		"cache": [scanner("GET", "/api/analysis_cache/get?project=victim"), forbidden("project_not_allowed")],
		"dotnet probe": [scanner("GET", "/api/settings/values?component=unknown"), allow],
		"probe only on the json path": [scanner("GET", "/api/settings/values.protobuf?component=unknown"), forbidden("project_not_allowed")],
		"empty key": [scanner("GET", "/api/settings/values?component="), deny(400, "parameter_value_invalid")],
		"global settings": [scanner("GET", "/api/settings/values"), allow],
	}) == {}
}

test_allowed_credential_kinds if {
	mismatches({
		"default sqa": [request("GET", "/api/plugins/installed", "bearer", "sqa"), allow],
		"default squ": [request("GET", "/api/plugins/installed", "bearer", "squ"), allow],
		"default badge": [request("GET", "/api/plugins/installed", "bearer", "sqb"), forbidden("credential_kind_not_allowed")],
		"default password": [request("GET", "/api/plugins/installed", "basic", "password"), forbidden("credential_kind_not_allowed")],
		"default other": [request("GET", "/api/plugins/installed", "other", "other"), forbidden("credential_kind_not_allowed")],
	}) == {}
	mismatches_with({"allowed_credential_kinds": ["sqp"]}, {
		"sqp": [scanner("GET", "/api/plugins/installed"), allow],
		"sqa": [request("GET", "/api/plugins/installed", "basic", "sqa"), forbidden("credential_kind_not_allowed")],
		"squ": [request("GET", "/api/plugins/installed", "basic", "squ"), forbidden("credential_kind_not_allowed")],
	}) == {}
}

test_accept_unverified_credentials if {
	unverified := with_credential(scanner("GET", "/api/plugins/installed"), "sqp", "unknown")
	invalid := with_credential(scanner("GET", "/api/plugins/installed"), "sqp", "invalid")
	mismatches({
		"unverified": [unverified, unauthorized("credential_unverified")],
		"invalid": [invalid, unauthorized("credential_invalid")],
	}) == {}
	mismatches_with({"accept_unverified_credentials": true}, {
		"unverified": [unverified, allow],
		"invalid": [invalid, unauthorized("credential_invalid")],
	}) == {}
}

test_max_report_bytes if {
	submit := scanner("POST", "/api/ce/submit?projectKey=demo")
	mismatches({
		"at the default limit": [with_(submit, {"request": {"content_length": 1073741824}}), allow],
		"over the default limit": [with_(submit, {"request": {"content_length": 1073741825}}), deny(413, "report_too_large")],
		"undeclared length": [submit, allow],
	}) == {}
	mismatches_with({"max_report_bytes": 1000}, {
		"at the limit": [with_(submit, {"request": {"content_length": 1000}}), allow],
		"over the limit": [with_(submit, {"request": {"content_length": 32264}}), deny(413, "report_too_large")],
	}) == {}
}

test_reject_unknown_query_parameters if {
	mismatches_with({"reject_unknown_query_parameters": false}, {
		"extra parameter": [scanner("GET", "/api/plugins/installed?x=1"), allow],
		"keys on settings": [scanner("GET", "/api/settings/values?keys=sonar.core.id"), allow],
		"duplicate project still denied": [scanner("GET", "/api/settings/values.protobuf?component=a&component=b"), forbidden("duplicate_project_parameter")],
	}) == {}
}

test_allow_branch_analysis if {
	mismatches_with({"allow_branch_analysis": false}, {
		"branches": [scanner("GET", "/api/project_branches/list?project=demo"), forbidden("branch_analysis_disabled")],
		"pull requests": [scanner("GET", "/api/project_pull_requests/list?project=demo"), forbidden("branch_analysis_disabled")],
		"anonymous": [anonymous("GET", "/api/project_branches/list?project=demo"), unauthorized("credential_missing")],
		"other endpoints unaffected": [scanner("GET", "/api/plugins/installed"), allow],
	}) == {}
}

test_context_path if {
	cases := {
		"inside": [scanner("GET", "/sonarqube/api/settings/values.protobuf?component=demo"), allow],
		"anonymous inside": [anonymous("GET", "/sonarqube/api/server/version"), allow_anonymous],
		"analyzer inside": [anonymous("GET", "/sonarqube/static/csharp/SonarAnalyzer.zip"), allow_anonymous],
		"outside": [scanner("GET", "/api/settings/values.protobuf"), forbidden("outside_context_path")],
		"anonymous outside": [anonymous("GET", "/api/server/version"), forbidden("outside_context_path")],
		"lookalike prefix": [scanner("GET", "/sonarqubex/api/server/version"), forbidden("outside_context_path")],
		"context root": [scanner("GET", "/sonarqube"), forbidden("web_ui_not_allowed")],
		"context root slash": [scanner("GET", "/sonarqube/"), forbidden("web_ui_not_allowed")],
		"family inside": [scanner("GET", "/sonarqube/api/users/search"), forbidden("user_directory")],
	}
	mismatches_with({"context_path": "/sonarqube"}, cases) == {}
	mismatches_with({"context_path": "sonarqube/"}, cases) == {}
	mismatches_with({"context_path": "/"}, {"root is no context": [scanner("GET", "/api/plugins/installed"), allow]}) == {}
}

test_static_analyzer_plugins_and_side_door_headers_are_configurable if {
	mismatches_with({"static_analyzer_plugins": ["custom"]}, {
		"custom": [anonymous("GET", "/static/custom/analyzer.zip"), allow_anonymous],
		"csharp no longer": [anonymous("GET", "/static/csharp/SonarAnalyzer.zip"), forbidden("static_resource_not_allowed")],
	}) == {}
	mismatches_with({"side_door_headers": ["X-Custom-Login"]}, {
		"upper-case config": [with_headers(scanner("GET", "/api/plugins/installed"), ["authorization", "x-custom-login"]), forbidden("side_door_header")],
		"cookie no longer": [with_headers(scanner("GET", "/api/plugins/installed"), ["authorization", "cookie"]), allow],
	}) == {}
}

# Replacing the catalog makes every reason unknown: the decision must still be a deny.
test_unknown_reason_falls_back_to_deny if {
	d := decide(scanner("GET", "/api/users/search")) with data.portcullis.sonarqube.tables.denials as {}
	d == {"allow": false, "status": 403, "reasons": ["policy_fallback"], "message": "The gateway policy reached no decision."}
}
