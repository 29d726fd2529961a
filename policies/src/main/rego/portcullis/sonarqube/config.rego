# Settings of the SonarQube scanner policy, read from data.portcullis.sonarqube.config.
#
# Every key is read with a fallback equal to its shipped default (config/data.json), so a missing
# key or a missing config never opens anything. Where a wrongly typed value could open a check,
# it is compared so that it closes it instead (e.g. strict_mode is on unless it is exactly false).
#
# Cost: the compiled (wasm) policy evaluates these values again for every request; nothing is kept
# between evaluations. Settings read on every request are plain references (_config.key, with
# the fallback written where they are read, denials.rego) or functions with an `else` default:
# object.get builds its default value on each call and a rule costs its memoization. Settings
# read only on rare paths keep object.get.
package portcullis.sonarqube

_config := c if {
	c := data.portcullis.sonarqube.config
	is_object(c)
} else := {}

strict_mode if object.get(_config, "strict_mode", false) != false

accept_unverified_credentials if object.get(_config, "accept_unverified_credentials", false) == true

_allowed_credential_kinds(config) := kinds if {
	kinds := config.allowed_credential_kinds
} else := ["sqp", "sqa", "squ"]

# A non-numeric or negative limit rejects every report rather than none. Whole bytes, since the
# decision carries it to the proxy as max_body_bytes.
max_report_bytes := floor(m) if {
	m := object.get(_config, "max_report_bytes", 1073741824)
	is_number(m)
	m >= 0
} else := 0

allow_branch_analysis if object.get(_config, "allow_branch_analysis", true) == true

static_analyzer_plugins := object.get(
	_config, "static_analyzer_plugins",
	["csharp", "vbnet", "securitycsharpfrontend", "securityvbnetfrontend"],
)

# Lower-cased so that a configured "X-Sonar-Passcode" still matches; a list of the wrong type
# falls back to the defaults instead of silently matching nothing.
side_door_headers := {lower(h) | some h in configured} if {
	configured := _config.side_door_headers
	is_array(configured)
} else := {
	"x-sonar-passcode",
	"cookie",
	"x-forwarded-login",
	"x-forwarded-name",
	"x-forwarded-email",
	"x-forwarded-groups",
	"x-hub-signature",
	"x-hub-signature-256",
}

# Normalised to "" or "/segment[/segment...]" without a trailing slash. A non-string value leaves
# it undefined, which puts every request outside the context path.
context_path := "" if {
	trim(_context_path_setting, "/") == ""
} else := concat("", ["/", trim(_context_path_setting, "/")])

_context_path_setting := p if {
	p := _config.context_path
} else := ""
