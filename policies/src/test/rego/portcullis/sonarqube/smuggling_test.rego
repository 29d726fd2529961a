# Inputs the upstream reads from places other than the query string (request bodies, method
# overrides) and parameter values outside their format.
package portcullis.sonarqube_test

import data.portcullis.sonarqube

_settings := scanner("GET", "/api/settings/values?component=demo")

_submit := scanner("POST", "/api/ce/submit?projectKey=demo")

test_bodies_only_where_an_endpoint_takes_one if {
	mismatches({
		"multipart body on GET": [with_body(_settings, true, "multipart/form-data"), forbidden("body_not_allowed")],
		"urlencoded body on GET": [with_body(_settings, true, "application/x-www-form-urlencoded"), forbidden("body_not_allowed")],
		"text body on GET": [with_body(_settings, true, "text/plain"), forbidden("body_not_allowed")],
		"untyped body on GET": [with_body(_settings, true, ""), forbidden("body_not_allowed")],
		"form type without body on GET": [with_body(_settings, false, "multipart/form-data"), forbidden("body_not_allowed")],
		"other type without body on GET": [with_body(_settings, false, "application/json"), allow],
		"body on anonymous bootstrap": [with_body(anonymous("GET", "/api/server/version"), true, "multipart/form-data"), forbidden("body_not_allowed")],
		"multipart report": [_submit, allow],
		"urlencoded report": [with_body(_submit, true, "application/x-www-form-urlencoded"), forbidden("body_not_allowed")],
		"untyped report": [with_body(_submit, true, ""), forbidden("body_not_allowed")],
		"json report": [with_body(_submit, true, "application/json"), forbidden("body_not_allowed")],
	}) == {}
}

test_body_presence_without_the_body_field if {
	no_body_field := json.remove(_settings, ["request/body"])
	mismatches({
		"declared length": [with_(no_body_field, {"request": {"content_length": 10}}), forbidden("body_not_allowed")],
		"chunked": [with_(no_body_field, {"request": {"header_names": ["authorization", "transfer-encoding"]}}), forbidden("body_not_allowed")],
		"form content type header": [with_(no_body_field, {"request": {"headers": {"content-type": "Multipart/Form-Data; boundary=x"}}}), forbidden("body_not_allowed")],
		"no body": [no_body_field, allow],
	}) == {}
}

test_report_project_key_must_be_in_the_query if {
	mismatches({
		"no projectKey": [scanner("POST", "/api/ce/submit?projectName=demo"), forbidden("project_parameter_not_in_query")],
		"empty query": [scanner("POST", "/api/ce/submit"), forbidden("project_parameter_not_in_query")],
		"in the query": [scanner("POST", "/api/ce/submit?projectKey=demo&projectName=Demo"), allow],
	}) == {}
}

test_report_limit_follows_the_configuration if {
	decide(_submit).max_body_bytes == 1073741824
	d := sonarqube.decision with input as _submit with data.portcullis.sonarqube.config as {"max_report_bytes": 5000}
	d.max_body_bytes == 5000
	negative := sonarqube.decision with input as _submit with data.portcullis.sonarqube.config as {"max_report_bytes": -1}
	negative.max_body_bytes == 0
	fraction := sonarqube.decision with input as _submit with data.portcullis.sonarqube.config as {"max_report_bytes": 10.7}
	fraction.max_body_bytes == 10
	not "max_body_bytes" in object.keys(decide(_settings))
}

# The report upload's body may carry the report file and nothing else: the proxy refuses any other
# part as the body streams (a form field would be read as a parameter this policy never sees).
test_report_body_may_carry_only_the_report_part if {
	decide(_submit).body_parts == ["report"]
	not "body_parts" in object.keys(decide(_settings))
}

test_method_override_headers_are_side_doors if {
	mismatches({
		"x-http-method-override": [with_headers(_settings, ["authorization", "x-http-method-override"]), forbidden("side_door_header")],
		"x-http-method": [with_headers(_settings, ["authorization", "x-http-method"]), forbidden("side_door_header")],
		"x-method-override": [with_headers(anonymous("GET", "/api/server/version"), ["x-method-override"]), forbidden("side_door_header")],
	}) == {}

	# Not configurable away: a custom side-door list keeps them.
	mismatches_with({"side_door_headers": ["x-custom"]}, {"override": [with_headers(_settings, ["x-http-method-override"]), forbidden("side_door_header")]}) == {}
}

test_parameter_values_follow_their_format if {
	invalid := deny(400, "parameter_value_invalid")
	mismatches({
		"plugin traversal": [scanner("GET", "/api/plugins/download?plugin=java%2F..%2F..%2F..%2Fusers%2Fsearch"), invalid],
		"plugin with dot": [scanner("GET", "/api/plugins/download?plugin=java.jar"), invalid],
		"plugin": [scanner("GET", "/api/plugins/download?plugin=javasymbolicexecution"), allow],
		"page size not a number": [scanner("GET", "/api/metrics/search?ps=500%20OR%201&p=1"), invalid],
		"negative page": [scanner("GET", "/api/metrics/search?ps=500&p=-1"), invalid],
		"task id with slash": [scanner("GET", "/api/ce/task?id=..%2F..%2Fx"), invalid],
		"task id": [scanner("GET", "/api/ce/task?id=92e2ef8f-a8e5-4e79-8c17-d1a1cb2db532"), allow],
		"project key with space": [scanner("GET", "/api/settings/values?component=a%20b"), invalid],
		"project key with NUL": [scanner("GET", "/api/settings/values?component=demo%00"), invalid],
		"branch with newline": [scanner("GET", "/batch/project.protobuf?key=demo&branch=main%0Ax"), invalid],
		"branch with slash": [scanner("GET", "/batch/project.protobuf?key=demo&branch=feature%2Fx"), allow],
		"boolean": [scanner("GET", "/api/qualityprofiles/search?defaults=maybe"), invalid],
		"platform": [scanner("GET", "/api/v2/analysis/jres?os=linux&arch=x86_64"), allow],
		"characteristic": [scanner("POST", "/api/ce/submit?projectKey=demo&characteristic=branch%3Dmain"), allow],
		"characteristic without key": [scanner("POST", "/api/ce/submit?projectKey=demo&characteristic=main"), invalid],
	}) == {}
}

test_batch_file_follows_each_server_generation if {
	mismatches({
		"9.9 shaded engine": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-9.9.0.65466-all.jar"), allow_anonymous],
		"10.7 shaded engine": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-10.7.0.96327-all.jar"), allow_anonymous],
		"2025.x community engine": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-community-13.7.0.4455.jar"), allow_anonymous],
		"engine with path": [anonymous("GET", "/batch/file?name=..%2Fsonar-scanner-engine-community-13.7.0.4455.jar"), forbidden("batch_file_not_allowed")],
		"engine with suffix": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-community-13.7.jar.zip"), forbidden("batch_file_not_allowed")],
		"engine without version": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-community.jar"), forbidden("batch_file_not_allowed")],
		"plugin jar": [anonymous("GET", "/batch/file?name=sonar-java-plugin-8.0.jar"), forbidden("batch_file_not_allowed")],
	}) == {}
}
