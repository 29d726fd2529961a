# Scanner flows other than the observed 26.9 run: the 9.9 legacy bootstrap, 10.x rule loading,
# the .NET scanner and the Azure DevOps Publish task (SURFACE.md §1).
package portcullis.sonarqube_test

test_legacy_9_9_bootstrap_without_credentials if {
	mismatches({
		"batch index": [anonymous("GET", "/batch/index"), allow_anonymous],
		"engine jar": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-9.9.5.90363-all.jar"), allow_anonymous],
		"server version": [anonymous("GET", "/api/server/version"), allow_anonymous],
	}) == {}
}

test_legacy_9_9_engine_calls if {
	mismatches({
		"global settings": [scanner("GET", "/api/settings/values.protobuf"), allow],
		"plugins": [scanner("GET", "/api/plugins/installed"), allow],
		"project settings": [scanner("GET", "/api/settings/values.protobuf?component=my%3Aproject"), allow],
		"branches": [scanner("GET", "/api/project_branches/list?project=my%3Aproject"), allow],
		"profiles": [scanner("GET", "/api/qualityprofiles/search.protobuf?project=my%3Aproject"), allow],
		"rules 9.9": [
			scanner("GET", "/api/rules/search.protobuf?f=repo,name,severity,lang,internalKey,templateKey,params,actives,createdAt,updatedAt,deprecatedKeys&activation=true&qprofile=AYx1&ps=500&p=1"),
			allow,
		],
		"analysis cache": [scanner("GET", "/api/analysis_cache/get?project=my%3Aproject&branch=main"), allow],
		"project data": [scanner("GET", "/batch/project.protobuf?key=my%3Aproject&branch=main"), allow],
		"old plugin download": [scanner("GET", "/api/plugins/download?plugin=java&acceptCompressions=pack200"), allow],
		"profiles by projectKey": [scanner("GET", "/api/qualityprofiles/search.protobuf?projectKey=my%3Aproject"), allow],
		"default profiles": [scanner("GET", "/api/qualityprofiles/search.protobuf?defaults=true"), allow],
		"new code period": [scanner("GET", "/api/new_code_periods/show.protobuf?project=my%3Aproject&branch=main"), allow],
		"pull requests": [scanner("GET", "/api/project_pull_requests/list?project=my%3Aproject"), allow],
		"pr project data": [scanner("GET", "/batch/project.protobuf?key=my%3Aproject&pullRequest=42"), allow],
	}) == {}
}

test_10_x_rule_loading_and_metrics if {
	mismatches({
		"rules list": [scanner("GET", "/api/rules/list.protobuf?qprofile=AYx1&ps=500&p=2"), allow],
		"languages": [scanner("GET", "/api/languages/list"), allow],
		"metrics": [scanner("GET", "/api/metrics/search?ps=500&p=1"), allow],
	}) == {}
}

test_scanner_library_bootstrap_with_bearer if {
	mismatches({
		"version": [scanner_bearer("GET", "/api/v2/analysis/version"), allow],
		"jre metadata": [scanner_bearer("GET", "/api/v2/analysis/jres?os=windows&arch=x64"), allow],
		"jre download": [scanner_bearer("GET", "/api/v2/analysis/jres/96f1e8cc-acdc-404d-81cd-9ddaf80f0d58"), allow],
		"engine": [scanner_bearer("GET", "/api/v2/analysis/engine"), allow],
		"server version fallback": [scanner_bearer("GET", "/api/server/version"), allow],
		"authenticated legacy index": [scanner_bearer("GET", "/batch/index"), allow],
		"sca clis": [scanner_bearer("GET", "/api/v2/sca/clis?os=linux&arch=amd64"), allow],
		"sca cli download": [scanner_bearer("GET", "/api/v2/sca/clis/tidelift-1.2.3"), allow],
	}) == {}
}

test_dotnet_begin_step if {
	mismatches({
		"authentication probe": [scanner("GET", "/api/settings/values?component=unknown"), allow],
		"json settings": [scanner("GET", "/api/settings/values?component=my.project"), allow],
		"json global settings": [scanner("GET", "/api/settings/values"), allow],
		"json profiles": [scanner("GET", "/api/qualityprofiles/search?project=my.project&organization=acme"), allow],
		"json rules": [scanner("GET", "/api/rules/search?f=repo,name,severity,lang,internalKey,templateKey,params,actives&ps=500&qprofile=AYx1&p=1"), allow],
		"languages": [scanner("GET", "/api/languages/list"), allow],
		"license": [scanner("GET", "/api/editions/is_valid_license"), allow],
		"analyzer zip anonymous": [anonymous("GET", "/static/csharp/SonarAnalyzer-10.2.0.zip"), allow_anonymous],
		"analyzer zip with token": [scanner("GET", "/static/vbnet/SonarAnalyzer.VisualBasic-10.2.0.zip"), allow],
		"security frontend zip": [anonymous("GET", "/static/securitycsharpfrontend/SonarSecurity.zip"), allow_anonymous],
	}) == {}
}

test_azure_devops_publish if {
	mismatches({
		"server version": [scanner("GET", "/api/server/version"), allow],
		"task": [scanner("GET", "/api/ce/task?id=AYx2"), allow],
		"task with fields": [scanner("GET", "/api/ce/task?id=AYx2&additionalFields=warnings"), allow],
		"gate": [scanner("GET", "/api/qualitygates/project_status?analysisId=AYx3"), allow],
		"gate by project": [scanner("GET", "/api/qualitygates/project_status?projectKey=my.project&branch=main"), allow],
		"metrics": [scanner("GET", "/api/metrics/search?f=name&ps=500"), allow],
		"measures": [scanner("GET", "/api/measures/component?component=my.project&metricKeys=bugs,vulnerabilities"), allow],
		"measures pr": [scanner("GET", "/api/measures/component?component=my.project&metricKeys=bugs&pullRequest=7"), allow],
	}) == {}
}

test_report_submission if {
	mismatches({
		"branch report": [
			with_(scanner("POST", "/api/ce/submit?projectKey=my.project&projectName=My&characteristic=branch%3Dmain&characteristic=branchType%3DBRANCH"), {"request": {"content_length": 1048576}}),
			allow,
		],
		"global analysis token": [request("POST", "/api/ce/submit?projectKey=my.project", "basic", "sqa"), allow],
		"user token": [request("POST", "/api/ce/submit?projectKey=my.project", "basic", "squ"), allow],
	}) == {}
}
