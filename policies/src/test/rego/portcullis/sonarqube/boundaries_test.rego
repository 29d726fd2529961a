# Edge cases around the allow-list: path shape, methods, parameters, headers and credentials.
package portcullis.sonarqube_test

test_path_shape if {
	mismatches({
		"trailing slash": [scanner("GET", "/api/server/version/"), forbidden("endpoint_not_allowed")],
		"trailing slash anonymous": [anonymous("GET", "/api/server/version/"), unauthorized("credential_missing")],
		"trailing slash in a family": [scanner("GET", "/api/settings/values/"), forbidden("settings_administration")],
		"json variant": [scanner("GET", "/api/qualityprofiles/search?project=demo"), allow],
		"protobuf variant": [scanner("GET", "/api/qualityprofiles/search.protobuf?project=demo"), allow],
		"no json rules list": [scanner("GET", "/api/rules/list?qprofile=a"), forbidden("quality_configuration")],
		"no json new code": [scanner("GET", "/api/new_code_periods/show?project=demo"), forbidden("endpoint_not_allowed")],
		"other suffix": [scanner("GET", "/api/settings/values.json"), forbidden("settings_administration")],
		"empty jre id": [scanner("GET", "/api/v2/analysis/jres/"), forbidden("endpoint_not_allowed")],
		"nested jre id": [scanner("GET", "/api/v2/analysis/jres/a/b"), forbidden("endpoint_not_allowed")],
		"nested cli id": [scanner("GET", "/api/v2/sca/clis/a/b"), forbidden("endpoint_not_allowed")],
	}) == {}
}

test_methods if {
	mismatches({
		"post to a get endpoint": [scanner("POST", "/api/plugins/installed"), forbidden("method_not_allowed")],
		"get on submit": [scanner("GET", "/api/ce/submit?projectKey=demo"), forbidden("method_not_allowed")],
		"put on submit": [scanner("PUT", "/api/ce/submit?projectKey=demo"), forbidden("method_not_allowed")],
		"head": [scanner("HEAD", "/api/v2/analysis/engine"), forbidden("method_not_allowed")],
		"head anonymous": [anonymous("HEAD", "/batch/index"), forbidden("method_not_allowed")],
		"post anonymous version": [anonymous("POST", "/api/server/version"), forbidden("method_not_allowed")],
		"delete analyzer": [anonymous("DELETE", "/static/csharp/SonarAnalyzer.zip"), forbidden("method_not_allowed")],
		"lower-case method": [scanner("get", "/api/plugins/installed"), forbidden("method_not_allowed")],
	}) == {}
}

test_query_parameters if {
	mismatches({
		"extra parameter": [scanner("GET", "/api/server/version?x=1"), forbidden("query_parameter_not_allowed")],
		"extra parameter anonymous": [anonymous("GET", "/batch/index?x=1"), forbidden("query_parameter_not_allowed")],
		"keys on settings": [scanner("GET", "/api/settings/values?keys=sonar.auth.github.clientSecret.secured"), forbidden("query_parameter_not_allowed")],
		"keys with component": [scanner("GET", "/api/settings/values.protobuf?component=demo&keys=a"), forbidden("query_parameter_not_allowed")],
		"parameter names are case-sensitive": [scanner("GET", "/api/settings/values?Component=demo"), forbidden("query_parameter_not_allowed")],
		"duplicate component": [scanner("GET", "/api/settings/values.protobuf?component=demo&component=victim"), forbidden("duplicate_project_parameter")],
		"duplicate projectKey": [scanner("POST", "/api/ce/submit?projectKey=demo&projectKey=victim"), forbidden("duplicate_project_parameter")],
		"duplicate key": [scanner("GET", "/batch/project.protobuf?key=demo&key=demo"), forbidden("duplicate_project_parameter")],
		"repeated characteristic": [scanner("POST", "/api/ce/submit?projectKey=demo&characteristic=a%3D1&characteristic=b%3D2"), allow],
		"malformed query is no query": [with_(scanner("GET", "/api/plugins/installed"), {"request": {"query": "x=1"}}), allow],
		"analyzer with query": [anonymous("GET", "/static/csharp/SonarAnalyzer.zip?v=1"), forbidden("query_parameter_not_allowed")],
	}) == {}
}

test_batch_file_names if {
	mismatches({
		"engine jar": [scanner("GET", "/batch/file?name=sonar-scanner-engine-shaded-10.5.1.90531-all.jar"), allow],
		"other jar anonymous": [anonymous("GET", "/batch/file?name=sonar-java-plugin.jar"), forbidden("batch_file_not_allowed")],
		"other jar with token": [scanner("GET", "/batch/file?name=sonar-java-plugin.jar"), forbidden("batch_file_not_allowed")],
		"directory in name": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-%2F..%2F..%2Fconf%2Fsonar-all.jar"), forbidden("batch_file_not_allowed")],
		"backslash in name": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-%5C..%5Cx-all.jar"), forbidden("batch_file_not_allowed")],
		"no name": [anonymous("GET", "/batch/file"), forbidden("batch_file_not_allowed")],
		"two names": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-1-all.jar&name=x.jar"), forbidden("batch_file_not_allowed")],
	}) == {}
}

test_static_resources if {
	mismatches({
		"not a zip": [anonymous("GET", "/static/csharp/SonarAnalyzer.dll"), forbidden("static_resource_not_allowed")],
		"bare extension": [anonymous("GET", "/static/csharp/.zip"), forbidden("static_resource_not_allowed")],
		"other plugin": [anonymous("GET", "/static/java/a.zip"), forbidden("static_resource_not_allowed")],
		"nested": [anonymous("GET", "/static/csharp/sub/a.zip"), forbidden("static_resource_not_allowed")],
		"too short": [anonymous("GET", "/static/csharp"), forbidden("static_resource_not_allowed")],
		"ui bundle with token": [scanner("GET", "/static/core/app.js"), forbidden("static_resource_not_allowed")],
	}) == {}
}

test_side_door_headers if {
	mismatches({
		"cookie with token": [with_headers(scanner("GET", "/api/plugins/installed"), ["authorization", "cookie", "host"]), forbidden("side_door_header")],
		"passcode anonymous": [with_headers(anonymous("GET", "/api/server/version"), ["host", "x-sonar-passcode"]), forbidden("side_door_header")],
		"sso login": [with_headers(scanner("GET", "/api/plugins/installed"), ["authorization", "x-forwarded-login"]), forbidden("side_door_header")],
		"webhook signature": [with_headers(anonymous("GET", "/api/server/version"), ["x-hub-signature-256"]), forbidden("side_door_header")],
		"ordinary forwarded headers": [with_headers(scanner("GET", "/api/plugins/installed"), ["authorization", "x-forwarded-for", "x-forwarded-proto"]), allow],
	}) == {}
}

test_credentials if {
	mismatches({
		"invalid on an anonymous endpoint": [with_credential(anonymous("GET", "/api/server/version"), "sqp", "invalid"), unauthorized("credential_invalid")],
		"unverified on an anonymous endpoint": [with_credential(anonymous("GET", "/api/server/version"), "sqp", "unknown"), unauthorized("credential_unverified")],
		"invalid before the endpoint check": [with_credential(scanner("GET", "/api/users/search"), "sqp", "invalid"), unauthorized("credential_invalid")],
		"unknown validity value": [with_credential(scanner("GET", "/api/plugins/installed"), "sqp", "maybe"), unauthorized("credential_invalid")],
		"validity missing": [with_(scanner("GET", "/api/plugins/installed"), {"credential": {"present": true, "kind": "sqp", "valid": null}}), unauthorized("credential_invalid")],
		"authorization header but no credential": [with_headers(anonymous("GET", "/api/server/version"), ["authorization", "host"]), unauthorized("credential_unverified")],
		"badge token on an anonymous endpoint": [with_credential(anonymous("GET", "/api/server/version"), "sqb", "valid"), forbidden("credential_kind_not_allowed")],
		"anonymous web ui": [anonymous("GET", "/"), unauthorized("credential_missing")],
		"anonymous scanner endpoint": [anonymous("GET", "/api/plugins/installed"), unauthorized("credential_missing")],
		"anonymous submit": [anonymous("POST", "/api/ce/submit?projectKey=demo"), unauthorized("credential_missing")],
	}) == {}
}

test_messages_do_not_echo_request_values if {
	inp := with_headers(scanner("GET", "/api/users/search?q=SECRET-VALUE"), ["authorization", "cookie"])
	d := decide(inp)
	not contains(d.message, "SECRET-VALUE")
	not contains(d.message, "cookie")
}

test_every_catalog_entry_is_a_deny_status if {
	bad := {reason |
		some reason, entry in data.portcullis.sonarqube.tables.denials
		not entry.status in {400, 401, 403, 413}
	}
	bad == set()
}
