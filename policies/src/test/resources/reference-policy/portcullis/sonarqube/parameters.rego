# What the values of the allow-listed parameters (endpoints.rego) may look like, and what a
# request body may be. A value outside its kind's format is refused (parameter_value_invalid)
# rather than passed on: the server or a plugin may use it in a path, a query or a log line
# (e.g. plugin=java/../../../users/search).
package portcullis.sonarqube

# One anchored pattern and a length limit per kind. Every pattern excludes control characters.
# Lengths are checked with count(), not with counted repetition such as {0,1000}: RE2 expands
# those into as many states, which costs milliseconds to compile on every evaluation.
parameter_formats := {
	# SonarQube project keys: letters, digits, '-', '_', '.', ':' (and '/', which keys created by
	# old servers may still contain).
	"project": {"pattern": `^[A-Za-z0-9_.:/-]+$`, "max": 400},
	# Branch and pull request names: any printable text, no control characters.
	"branch": {"pattern": `^[^\x00-\x1f\x7f]+$`, "max": 255},
	# Task, analysis and JRE ids.
	"id": {"pattern": `^[A-Za-z0-9_-]+$`, "max": 64},
	# Plugin keys, such as java or csharp.
	"plugin": {"pattern": `^[A-Za-z0-9]+$`, "max": 64},
	"number": {"pattern": `^[0-9]+$`, "max": 9},
	"boolean": {"pattern": `^(true|false|yes|no)$`, "max": 5},
	# Comma-separated keys: metric keys, fields, quality profile keys (may be empty).
	"keys": {"pattern": `^[A-Za-z0-9_.:,-]*$`, "max": 1000},
	# Operating system and architecture names.
	"platform": {"pattern": `^[A-Za-z0-9_.-]+$`, "max": 32},
	# A project name: printable text (may be empty).
	"text": {"pattern": `^[^\x00-\x1f\x7f]*$`, "max": 500},
	# ce/submit's characteristic: key=value, such as branch=main or pullRequest=42.
	"characteristic": {"pattern": `^[A-Za-z]+=[^\x00-\x1f\x7f]*$`, "max": 300},
	# batch/file's name: judged by batch_file_name_allowed (request.rego).
	"file": {"pattern": `^[^\x00-\x1f\x7f/\\]+$`, "max": 255},
}

# An unknown kind has no format, so its values never pass.
_parameter_value_valid(kind, value) if {
	format := parameter_formats[kind]
	count(value) <= format.max
	regex.match(format.pattern, value)
}

# The first parameter value that does not match its kind; undefined when all match.
parameter_value_invalid if {
	some name, values in query
	kind := endpoint.params[name]
	some value in values
	not _parameter_value_valid(kind, value)
}

# Form bodies are parameter sources: a servlet container parses them into parameters (multipart
# even on GET), so they are refused wherever an endpoint does not declare them.
_form_media_types := {"multipart/form-data", "application/x-www-form-urlencoded"}

# Whether a body follows the headers. The Java input says so in request.body; for inputs built
# without it, a positive content_length or a transfer-encoding header counts.
body_present if input.request.body.present != false

body_present if input.request.content_length > 0

body_present if "transfer-encoding" in input.request.header_names

# The body's media type, lower-cased without parameters; "" when the request declares none.
body_media_type := t if {
	t := input.request.body.media_type
	is_string(t)
} else := lower(trim_space(split(object.get(input.request.headers, "content-type", ""), ";")[0]))

body_not_allowed if {
	body_present
	not body_media_type in object.get(endpoint, "body", [])
}

body_not_allowed if {
	_form_media_types[body_media_type]
	not body_media_type in object.get(endpoint, "body", [])
}

# On an endpoint that takes a body, every project parameter must be in the query, where the
# policy sees it and from where the server reads it first.
project_parameter_not_in_query if {
	object.get(endpoint, "body", []) != []
	some name, kind in endpoint.params
	kind == "project"
	not query[name]
}
