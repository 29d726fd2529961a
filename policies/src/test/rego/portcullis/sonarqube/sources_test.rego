# The server calls of clients that cannot run here, taken from their sources (docs/SURFACE.md
# §1e and §1f): the Azure DevOps extension's tasks, the SonarScanner for .NET "begin" step and the
# SonarScanner for Gradle (through sonar-scanner-java-library). Each case names the file and
# function it comes from. Repositories and snapshots:
#   AZDO = SonarSource/sonar-scanner-azdo @ 8065acc (tasks v7 src/common/sonarqube-v7, v8 src/common/latest)
#   VSTS = SonarSource/sonar-scanner-vsts @ d3b676a (tasks v4-v6, the extension's former name)
#   NET  = SonarSource/sonar-scanner-msbuild @ 2695104, under src/SonarScanner.MSBuild.PreProcessor/
#   GRD  = SonarSource/sonar-scanner-gradle @ fd7b6fb (uses sonar-scanner-java-library 4.1.1.1633)
#   JL   = SonarSource/sonar-scanner-java-library @ d898f3c, under lib/src/main/java/org/sonarsource/scanner/lib/
package portcullis.sonarqube_test

# A SonarQube Server service connection sends the token as Basic <token>: on every server version
# (AZDO src/common/latest/sonarqube/Endpoint.ts#toAxiosOptions: axios auth {username: token,
# password: ""}; Bearer only for SonarQube Cloud), so `scanner` (Basic, sqp) is the extension's form.
test_azure_devops_prepare_and_publish_calls_in_order if {
	mismatches({
		# AZDO prepare-task.ts#prepareTask -> helpers/request.ts#getServerVersion
		"A1 prepare: server version": [scanner("GET", "/api/server/version"), allow],
		# AZDO publish-task.ts#publishTask -> helpers/api.ts#fetchMetrics: {f: "name", ps: "500"}
		"P1 publish: metrics, first page": [scanner("GET", "/api/metrics/search?f=name&ps=500"), allow],
		# ... and the next pages while p * ps < total: {...data, p: (p + 1)}
		"P1 publish: metrics, next page": [scanner("GET", "/api/metrics/search?f=name&ps=500&p=2"), allow],
		# AZDO publish-task.ts#publishTask -> helpers/request.ts#getServerVersion
		"P2 publish: server version": [scanner("GET", "/api/server/version"), allow],
		# AZDO sonarqube/Task.ts#waitForTaskCompletion -> helpers/api.ts#fetchWithRetry: {id} for Server
		"P3 publish: task": [scanner("GET", "/api/ce/task?id=02fbc4d6-e4eb-46b3-8310-279e5d3739da"), allow],
		# ... {id, additionalFields: "warnings"} for SonarQube Cloud
		"P3 publish: task, cloud form": [scanner("GET", "/api/ce/task?id=AYx2QkQ1&additionalFields=warnings"), allow],
		# AZDO publish-task.ts#getReportForTask -> helpers/api.ts#fetchProjectStatus: {analysisId}
		"P4 publish: quality gate": [scanner("GET", "/api/qualitygates/project_status?analysisId=f85c7a54-4bc6-46c1-9e1e-981e1f03251c"), allow],
		# AZDO publish-task.ts#fetchRelevantMeasures -> helpers/api.ts#fetchComponentMeasures;
		# keys from helpers/constants.ts SQ_BRANCH_MEASURES, in that order
		"P5 publish: measures, main branch": [
			scanner("GET", "/api/measures/component?component=my.project&metricKeys=new_violations%2Cnew_accepted_issues%2Cnew_security_hotspots%2Cnew_coverage%2Cnew_duplicated_lines_density"),
			allow,
		],
		# ... with branch = the Prepare task's sonar.branch.name (may contain '/')
		"P5 publish: measures, other branch": [
			scanner("GET", "/api/measures/component?component=my.project&metricKeys=new_violations%2Cnew_coverage&branch=feature%2Fazure-42"),
			allow,
		],
		# ... SQ_PULLREQUEST_MEASURES with pullRequest = sonar.pullrequest.key
		"P5 publish: measures, pull request": [
			scanner("GET", "/api/measures/component?component=my.project&metricKeys=new_violations%2Cpull_request_fixed_issues%2Cnew_accepted_issues%2Cnew_security_hotspots%2Cnew_coverage%2Cnew_duplicated_lines_density&pullRequest=1234"),
			allow,
		],
	}) == {}
}

# The same calls with the other token types a service connection may hold, and sent as Bearer
# (the form scanners use on 10.x and later; the gateway accepts both for the same token).
test_azure_devops_publish_with_other_tokens_and_schemes if {
	mismatches({
		"global analysis token": [request("GET", "/api/ce/task?id=AYx2", "basic", "sqa"), allow],
		"user token": [request("GET", "/api/qualitygates/project_status?analysisId=AYx3", "basic", "squ"), allow],
		"bearer task": [scanner_bearer("GET", "/api/ce/task?id=AYx2"), allow],
		"bearer gate": [scanner_bearer("GET", "/api/qualitygates/project_status?analysisId=AYx3"), allow],
		"bearer measures": [scanner_bearer("GET", "/api/measures/component?component=my.project&metricKeys=new_violations"), allow],
		"bearer metrics": [scanner_bearer("GET", "/api/metrics/search?f=name&ps=500"), allow],
		# The Publish task needs a credential for everything but the version (no anonymous Publish).
		"anonymous task": [anonymous("GET", "/api/ce/task?id=AYx2"), unauthorized("credential_missing")],
		"anonymous gate": [anonymous("GET", "/api/qualitygates/project_status?analysisId=AYx3"), unauthorized("credential_missing")],
	}) == {}
}

# Tasks v4-v6 (VSTS src/common/latest/helpers/api.ts, sonarqube/Task.ts) build the same paths and
# queries with node-fetch; only the query form of the measures call differs (unencoded commas).
test_azure_devops_v6_publish_calls if {
	mismatches({
		"metrics": [scanner("GET", "/api/metrics/search?f=name&ps=500"), allow],
		"task": [scanner("GET", "/api/ce/task?id=AYx2"), allow],
		"gate": [scanner("GET", "/api/qualitygates/project_status?analysisId=AYx3"), allow],
		"measures": [scanner("GET", "/api/measures/component?component=my.project&metricKeys=new_violations,new_coverage"), allow],
	}) == {}
}

# What the Publish task does not need and that would leak more than a scan needs stays denied,
# even next to the endpoints it uses (docs/SURFACE.md §1e).
test_azure_devops_neighbours_stay_denied if {
	mismatches({
		"measures of every file": [scanner("GET", "/api/measures/component_tree?component=my.project&metricKeys=ncloc"), forbidden("code_and_findings")],
		"measures of many projects": [scanner("GET", "/api/measures/search?projectKeys=a,b&metricKeys=alert_status"), forbidden("code_and_findings")],
		"measure history": [scanner("GET", "/api/measures/search_history?component=my.project&metrics=coverage"), forbidden("code_and_findings")],
		"gate definition": [scanner("GET", "/api/qualitygates/get_by_project?project=my.project"), forbidden("quality_configuration")],
		"gate conditions": [scanner("GET", "/api/qualitygates/show?name=Sonar%20way"), forbidden("quality_configuration")],
		"task list": [scanner("GET", "/api/ce/activity?component=my.project"), forbidden("compute_engine_administration")],
		"component tasks": [scanner("GET", "/api/ce/component?component=my.project"), forbidden("compute_engine_administration")],
		"metric types": [scanner("GET", "/api/metrics/types"), forbidden("endpoint_not_allowed")],
		"measures with an unknown parameter": [scanner("GET", "/api/measures/component?component=my.project&metricKeys=ncloc&ps=500"), forbidden("query_parameter_not_allowed")],
		"measures with two components": [scanner("GET", "/api/measures/component?component=a&component=b&metricKeys=ncloc"), forbidden("duplicate_project_parameter")],
		"task id with a separator": [scanner("GET", "/api/ce/task?id=..%2Fsubmit"), deny(400, "parameter_value_invalid")],
	}) == {}
}

# The .NET "begin" step, in order (NET PreProcessor.cs#DoExecute). Both of its clients send Basic
# <token>:, also on /api/v2 (WebClientDownloaderBuilder.cs#AddAuthorization), so `scanner` fits.
test_dotnet_begin_calls_in_order if {
	mismatches({
		# NET PreprocessorObjectFactory.cs#CanAuthenticate
		"N1 authentication probe": [scanner("GET", "/api/settings/values?component=unknown"), allow],
		# NET PreprocessorObjectFactory.cs#QueryServerVersion: "analysis/version" on <host>/api/v2 ...
		"N2 version": [scanner("GET", "/api/v2/analysis/version"), allow],
		# ... and "api/server/version" on the host when it fails (servers < 10.6)
		"N2 version fallback": [scanner("GET", "/api/server/version"), allow],
		# NET WebServer/SonarQubeWebServer.cs#IsServerLicenseValid
		"N3 license": [scanner("GET", "/api/editions/is_valid_license"), allow],
		# NET WebServer/SonarWebServerBase.cs#DownloadJreMetadataAsync; os from
		# ProcessedArgs.cs#OperatingSystemString, arch = RuntimeInformation.OSArchitecture lower-cased
		"N4 jre metadata windows": [scanner("GET", "/api/v2/analysis/jres?os=windows&arch=x64"), allow],
		"N4 jre metadata alpine arm": [scanner("GET", "/api/v2/analysis/jres?os=alpine&arch=arm64"), allow],
		"N4 jre metadata macos": [scanner("GET", "/api/v2/analysis/jres?os=macos&arch=arm64"), allow],
		# NET WebServer/SonarQubeWebServer.cs#DownloadJreAsync (Accept: application/octet-stream)
		"N4 jre download": [scanner("GET", "/api/v2/analysis/jres/2d8c2c1a-9d8e-4b6f-8f3b-0a1b2c3d4e5f"), allow],
		# NET SonarWebServerBase.cs#DownloadEngineMetadataAsync, SonarQubeWebServer.cs#DownloadEngineAsync
		"N5 engine": [scanner("GET", "/api/v2/analysis/engine"), allow],
		# NET SonarWebServerBase.cs#DownloadComponentProperties (WebUtils.EscapedUri escapes the key)
		"N6 project settings": [scanner("GET", "/api/settings/values?component=my.project"), allow],
		"N6 legacy sonar.branch component": [scanner("GET", "/api/settings/values?component=my.project%3Afeature%2Fx"), allow],
		"N6 global settings fallback": [scanner("GET", "/api/settings/values"), allow],
		# NET SonarWebServerBase.cs#DownloadAllLanguages
		"N7 languages": [scanner("GET", "/api/languages/list"), allow],
		# NET SonarWebServerBase.cs#DownloadQualityProfile, #AddOrganization
		"N8 profile": [scanner("GET", "/api/qualityprofiles/search?project=my.project"), allow],
		"N8 profile with organization": [scanner("GET", "/api/qualityprofiles/search?project=my.project&organization=acme"), allow],
		"N8 default profiles": [scanner("GET", "/api/qualityprofiles/search?defaults=true"), allow],
		"N8 default profiles with organization": [scanner("GET", "/api/qualityprofiles/search?defaults=true&organization=acme"), allow],
		# NET SonarWebServerBase.cs#DownloadRules
		"N9 rules page 1": [scanner("GET", "/api/rules/search?f=repo%2Cname%2Cseverity%2Clang%2CinternalKey%2CtemplateKey%2Cparams%2Cactives&ps=500&qprofile=AYx1-cs&p=1"), allow],
		"N9 rules page 20": [scanner("GET", "/api/rules/search?f=repo,name,severity,lang,internalKey,templateKey,params,actives&ps=500&qprofile=AYx1-cs&p=20"), allow],
		# NET SonarWebServerBase.cs#TryDownloadEmbeddedFile (sent with the token)
		"N10 csharp analyzer": [scanner("GET", "/static/csharp/SonarAnalyzer-10.15.0.120848.zip"), allow],
		"N10 vbnet analyzer": [scanner("GET", "/static/vbnet/SonarAnalyzer.VisualBasic-10.15.0.120848.zip"), allow],
		# NET WebServer/SonarQubeWebServer.cs#DownloadCache (PR analyses, branch = sonar.pullrequest.base)
		"N11 pr analysis cache": [scanner("GET", "/api/analysis_cache/get?project=my.project&branch=main"), allow],
	}) == {}
}

# The probe's project key "unknown" passes a project restriction, the real key is still checked
# (NET PreprocessorObjectFactory.cs#CanAuthenticate then SonarWebServerBase.cs#DownloadComponentProperties).
test_dotnet_begin_under_a_project_restriction if {
	mismatches_with({"allowed_project_keys": ["my.project"]}, {
		"probe": [scanner("GET", "/api/settings/values?component=unknown"), allow],
		"own settings": [scanner("GET", "/api/settings/values?component=my.project"), allow],
		"own profile": [scanner("GET", "/api/qualityprofiles/search?project=my.project"), allow],
		"other settings": [scanner("GET", "/api/settings/values?component=other.project"), forbidden("project_not_allowed")],
		"probe key elsewhere": [scanner("GET", "/api/qualityprofiles/search?project=unknown"), forbidden("project_not_allowed")],
	}) == {}
}

# .NET code paths that are dead on supported servers stay denied: the pre-6.3 properties API
# (NET SonarQubeWebServer.cs#DownloadComponentPropertiesLegacy; IsServerVersionSupported refuses < 8.9).
test_dotnet_legacy_calls_stay_denied if {
	mismatches({"properties": [scanner("GET", "/api/properties?resource=my.project"), forbidden("endpoint_not_allowed")]}) == {}
}

# SonarScanner for Gradle 6.x/7.x makes no call of its own (GRD src/main/java/org/sonarqube/gradle/
# SonarTask.java builds ScannerEngineBootstrapper.create("ScannerGradle", ...)); these are the calls of
# the library it bundles, Bearer <sonar.token>.
test_gradle_bootstrap_through_the_java_library if {
	mismatches({
		# JL ScannerEngineBootstrapper.java#getServerVersion
		"G1 version": [scanner_bearer("GET", "/api/v2/analysis/version"), allow],
		"G1 version fallback, authenticated": [scanner_bearer("GET", "/api/server/version"), allow],
		# JL internal/facade/forked/JavaRunnerFactory.java#getJreMetadata; os from internal/util/OsResolver,
		# arch from internal/util/ArchResolver (uname -m, else os.arch)
		"G2 jre linux": [scanner_bearer("GET", "/api/v2/analysis/jres?os=linux&arch=x86_64"), allow],
		"G2 jre alpine": [scanner_bearer("GET", "/api/v2/analysis/jres?os=alpine&arch=aarch64"), allow],
		"G2 jre macos": [scanner_bearer("GET", "/api/v2/analysis/jres?os=macos&arch=arm64"), allow],
		"G2 jre windows": [scanner_bearer("GET", "/api/v2/analysis/jres?os=windows&arch=amd64"), allow],
		# JL JavaRunnerFactory.java JreDownloader -> ScannerHttpClient#downloadFromRestApi
		"G2 jre download": [scanner_bearer("GET", "/api/v2/analysis/jres/96f1e8cc-acdc-404d-81cd-9ddaf80f0d58"), allow],
		# JL internal/facade/forked/ScannerEngineLauncherFactory.java#getScannerEngineMetadata
		"G3 engine": [scanner_bearer("GET", "/api/v2/analysis/engine"), allow],
		# JL internal/facade/inprocess/BootstrapIndexDownloader.java#getIndex (servers < 10.6, with the token)
		"G4 index": [scanner_bearer("GET", "/batch/index"), allow],
		# JL internal/facade/inprocess/LegacyScannerEngineDownloader.java: the jar /batch/index lists
		# (names read from the lib/scanner/ folder of each sonar-application zip)
		"G4 engine jar 9.9": [scanner_bearer("GET", "/batch/file?name=sonar-scanner-engine-shaded-9.9.0.65466-all.jar"), allow],
		"G4 engine jar 10.5": [scanner_bearer("GET", "/batch/file?name=sonar-scanner-engine-shaded-10.5.1.90531-all.jar"), allow],
		# The engine's own calls follow, as for every scanner (observed_test.rego).
		"engine settings": [scanner("GET", "/api/settings/values.protobuf?component=my.project"), allow],
	}) == {}
}

# Gradle <= 5.1 bundles sonar-scanner-api 2.x, which fetches the engine without a credential; the
# .NET "end" step on servers < 10.6 runs scanner CLI 5.0.2, which does the same. The jar names of
# every server generation of the matrix pass, and nothing else.
test_legacy_engine_download_on_each_server_generation if {
	mismatches({
		"index": [anonymous("GET", "/batch/index"), allow_anonymous],
		"9.9": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-9.9.0.65466-all.jar"), allow_anonymous],
		"9.9.8": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-9.9.8.100196-all.jar"), allow_anonymous],
		"10.7": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-10.7.0.96327-all.jar"), allow_anonymous],
		"25.1": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-25.1.0.102122-all.jar"), allow_anonymous],
		"25.12": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-25.12.0.117093-all.jar"), allow_anonymous],
		"26.9": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-community-13.7.0.4455.jar"), allow_anonymous],
		"a plugin jar": [anonymous("GET", "/batch/file?name=sonar-java-plugin-8.9.0.37768.jar"), forbidden("batch_file_not_allowed")],
		"a path": [anonymous("GET", "/batch/file?name=..%2Fconf%2Fsonar.properties"), forbidden("batch_file_not_allowed")],
		"two names": [anonymous("GET", "/batch/file?name=sonar-scanner-engine-shaded-10.7.0.96327-all.jar&name=x.jar"), forbidden("batch_file_not_allowed")],
	}) == {}
}
