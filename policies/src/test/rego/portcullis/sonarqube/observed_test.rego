# Every request of one real scan: SonarQube 26.9, SonarScanner CLI 8.1, project analysis token
# (policies/src/test/resources/observed/sq26.9-cli8.1.tsv). Each must be allowed, with the scheme the
# scanner used for it.
package portcullis.sonarqube_test

# [method, path and query, scheme, declared request body bytes]
observed_sq26_9_cli8_1 := [
	["GET", "/api/v2/analysis/version", "bearer", 0],
	["GET", "/api/v2/analysis/jres?os=linux&arch=x86_64", "bearer", 0],
	["GET", "/api/v2/analysis/jres/96f1e8cc-acdc-404d-81cd-9ddaf80f0d58", "bearer", 0],
	["GET", "/api/v2/analysis/engine", "bearer", 0],
	["GET", "/api/v2/analysis/engine", "bearer", 0],
	["GET", "/api/settings/values.protobuf", "basic", 0],
	["GET", "/api/plugins/installed", "basic", 0],
	["GET", "/api/plugins/download?plugin=cayc", "basic", 0],
	["GET", "/api/plugins/download?plugin=iac", "basic", 0],
	["GET", "/api/plugins/download?plugin=text", "basic", 0],
	["GET", "/api/server/version", "basic", 0],
	["GET", "/api/settings/values.protobuf?component=demo", "basic", 0],
	["GET", "/api/qualityprofiles/search.protobuf?project=demo", "basic", 0],
	["GET", "/api/v2/analysis/active_rules?projectKey=demo", "basic", 0],
	["GET", "/api/analysis_cache/get?project=demo", "basic", 0],
	["GET", "/api/languages/list", "basic", 0],
	["GET", "/api/features/list", "basic", 0],
	["GET", "/api/plugins/download?plugin=jacoco", "basic", 0],
	["GET", "/api/plugins/download?plugin=javasymbolicexecution", "basic", 0],
	["GET", "/api/plugins/download?plugin=java", "basic", 0],
	["GET", "/batch/project.protobuf?key=demo", "basic", 0],
	["GET", "/api/metrics/search?ps=500&p=1", "basic", 0],
	["POST", "/api/ce/submit?projectKey=demo", "basic", 32264],
	["GET", "/api/ce/task?id=02fbc4d6-e4eb-46b3-8310-279e5d3739da", "basic", 0],
	["GET", "/api/ce/task?id=02fbc4d6-e4eb-46b3-8310-279e5d3739da", "basic", 0],
	["GET", "/api/ce/task?id=02fbc4d6-e4eb-46b3-8310-279e5d3739da", "basic", 0],
	["GET", "/api/qualitygates/project_status?analysisId=f85c7a54-4bc6-46c1-9e1e-981e1f03251c", "basic", 0],
]

test_observed_scan_allowed if {
	failures := [[row, got] |
		some row in observed_sq26_9_cli8_1
		got := outcome(_observed_input(row))
		got != allow
	]
	failures == []
}

_observed_input([method, path_and_query, scheme, bytes]) := with_(
	request(method, path_and_query, scheme, "sqp"),
	{"request": {"content_length": bytes}},
) if method == "POST"

_observed_input([method, path_and_query, scheme, _]) := request(method, path_and_query, scheme, "sqp") if method != "POST"

# Every distinct request of a SonarScanner for Maven 5.8 run against SonarQube 26.9
# (policies/src/test/resources/observed/sq26.9-maven5.8.tsv).
observed_sq26_9_maven5_8 := [
	["GET", "/api/v2/analysis/version", "bearer", 0],
	["GET", "/api/v2/analysis/jres?os=linux&arch=x86_64", "bearer", 0],
	["GET", "/api/v2/analysis/jres/96f1e8cc-acdc-404d-81cd-9ddaf80f0d58", "bearer", 0],
	["GET", "/api/v2/analysis/engine", "bearer", 0],
	["GET", "/api/settings/values.protobuf", "basic", 0],
	["GET", "/api/plugins/installed", "basic", 0],
	["GET", "/api/plugins/download?plugin=cayc", "basic", 0],
	["GET", "/api/plugins/download?plugin=iac", "basic", 0],
	["GET", "/api/plugins/download?plugin=text", "basic", 0],
	["GET", "/api/server/version", "basic", 0],
	["GET", "/api/settings/values.protobuf?component=e2e-maven58", "basic", 0],
	["GET", "/api/qualityprofiles/search.protobuf?project=e2e-maven58", "basic", 0],
	["GET", "/api/v2/analysis/active_rules?projectKey=e2e-maven58", "basic", 0],
	["GET", "/api/analysis_cache/get?project=e2e-maven58", "basic", 0],
	["GET", "/api/languages/list", "basic", 0],
	["GET", "/api/features/list", "basic", 0],
	["GET", "/api/plugins/download?plugin=jacoco", "basic", 0],
	["GET", "/api/plugins/download?plugin=javasymbolicexecution", "basic", 0],
	["GET", "/api/plugins/download?plugin=java", "basic", 0],
	["GET", "/api/plugins/download?plugin=xml", "basic", 0],
	["GET", "/batch/project.protobuf?key=e2e-maven58", "basic", 0],
	["GET", "/api/metrics/search?ps=500&p=1", "basic", 0],
	["POST", "/api/ce/submit?projectKey=e2e-maven58&projectName=e2e-maven58", "basic", 0],
	["GET", "/api/ce/task?id=692bee53-f957-4b15-b366-248863fbf495", "basic", 0],
	["GET", "/api/qualitygates/project_status?analysisId=9aaa0682-f705-42ee-9697-1417f15797c7", "basic", 0],
]

test_observed_maven_scan_allowed if {
	failures := [[row, got] |
		some row in observed_sq26_9_maven5_8
		got := outcome(_observed_input(row))
		got != allow
	]
	failures == []
}
