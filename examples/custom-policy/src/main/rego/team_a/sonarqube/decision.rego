# Team A's SonarQube policy: the default Portcullis policy (data.portcullis.sonarqube, configured
# by team-a-gateway.json), and the calls that read an analysis' outcome (task status, quality
# gate, measures, server version: what the Azure DevOps Publish task asks) only with a project
# analysis token. Entrypoint team_a/sonarqube/decision.
package team_a.sonarqube

import data.portcullis.sonarqube

# The default policy's denials come first and keep their reasons; this rule only turns some of
# its allows into denies, so it never allows what the default denies, and never allows for an
# unverified credential what it denies for a valid one (the gateway relies on that).
decision := {
	"allow": false,
	"status": 403,
	"reasons": ["project_analysis_token_required"],
	"message": "Task status, quality gate, measures and server version need a project analysis token (sqp_).",
} if {
	sonarqube.decision.allow == true
	sonarqube.rel_path in publish_task_paths
	sonarqube.credential_present
	object.get(input, ["credential", "kind"], "none") != "sqp"
} else := sonarqube.decision

# The Publish task's calls (docs/SURFACE.md §1e) that the engine's quality-gate wait shares. A
# request without any credential stays the default policy's: /api/server/version is anonymous on
# SonarQube itself, and scanners ask it without a token.
publish_task_paths := {
	"/api/server/version",
	"/api/ce/task",
	"/api/qualitygates/project_status",
	"/api/measures/component",
}
