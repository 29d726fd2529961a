# Settings of the SonarQube scanner policy, read from data.portcullis.sonarqube.config.
#
# Every key is read with a fallback equal to its shipped default (config/data.json), so a missing
# key or a missing config never opens anything. Where a wrongly typed value could open a check,
# it is compared so that it closes it instead (e.g. strict_mode is on unless it is exactly false).
#
# Cost: the compiled (wasm) policy evaluates these values again for every request; nothing is kept
# between evaluations, except the data document: values derived from the configuration that the
# hot path needs (the lower-cased side-door headers, the normalised context path) are written by
# SonarQubePolicy.data into data.portcullis.sonarqube.normalized at load time, each with the
# setting it was written from, and computed here when that document is missing or was written
# from another setting. Settings read on every request are plain references (_config.key, with
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

# extra_endpoints: scanner calls that the built-in table (endpoints.rego) lacks, such as one that
# a newer SonarQube adds. SonarQubePolicy refuses to start with a malformed entry; these checks
# are what holds when the data reaches the policy another way (opa eval, a remote OPA): an entry
# is used only when every field is well-formed, and a path listed twice by neither entry.
_extra_endpoint_fields := {"path", "methods", "params", "anonymous", "credential_kinds"}

extra_endpoint_entry(path) := entry if {
	entries := _config.extra_endpoints
	is_array(entries)
	matches := [e | some e in entries; e.path == path]
	count(matches) == 1
	entry := matches[0]
	extra_endpoint_valid(entry)
}

extra_endpoint_valid(entry) if {
	every field, _ in entry {
		field in _extra_endpoint_fields
	}
	extra_endpoint_path_valid(entry.path)
	is_array(entry.methods)
	count(entry.methods) > 0
	every method in entry.methods {
		method in {"GET", "POST"}
	}
	_extra_params_valid(object.get(entry, "params", {}))
	is_boolean(object.get(entry, "anonymous", false))
	_extra_credential_kinds_valid(object.get(entry, "credential_kinds", ["none"]))
}

# An exact path under /api/: segments of letters, digits, '_', '-' and '.', none starting with a
# dot (so no dot segments), no empty segment, no trailing slash, nothing to decode. The request
# path is compared with it as is, after the Java side has made it canonical.
extra_endpoint_path_valid(path) if {
	is_string(path)
	count(path) <= 200
	regex.match(`^/api(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$`, path)
	not in_denied_family(path)
}

# Whether a path lies in a denied family (api_families, api_v2_families) however its family
# segment is written: in any case, with '-' for '_' or the reverse, with a '.suffix', and under
# /api/ or /api/v2/. Stricter than the request checks on purpose: an extra endpoint never comes
# near a denied family.
# The family names are the table tables/data.json: denied_family_names, the keys of api_families
# and api_v2_families with '_' for '-' (a test checks that they agree).
in_denied_family(path) if {
	names := _family_names(path)
	data.portcullis.sonarqube.tables.denied_family_names[names[2]]
}

in_denied_family(path) if {
	names := _family_names(path)
	names[2] == "v2"
	data.portcullis.sonarqube.tables.denied_family_names[names[3]]
}

# The path's segments as family names: lower case, without a '.suffix', with '_' for '-'.
_family_names(path) := [replace(split(s, ".")[0], "-", "_") | some s in split(lower(path), "/")]

_extra_params_valid(params) if {
	is_object(params)
	every name, kind in params {
		count(name) <= 64
		regex.match(`^[A-Za-z][A-Za-z0-9_.-]*$`, name)
		data.portcullis.sonarqube.tables.parameter_formats[kind]
	}
}

_extra_credential_kinds_valid(kinds) if {
	is_array(kinds)
	count(kinds) > 0
	every kind in kinds {
		is_string(kind)
	}
}
