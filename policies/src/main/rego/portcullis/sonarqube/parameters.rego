# What the values of the allow-listed parameters (endpoints.rego) may look like, and what a
# request body may be. A value outside its kind's format is refused (parameter_value_invalid)
# rather than passed on: the server or a plugin may use it in a path, a query or a log line
# (e.g. plugin=java/../../../users/search).
package portcullis.sonarqube

# One anchored pattern per kind. Every pattern excludes control characters.
parameter_formats := {
	# SonarQube project keys: letters, digits, '-', '_', '.', ':' (and '/', which keys created by
	# old servers may still contain).
	"project": `^[A-Za-z0-9_.:/-]{1,400}$`,
	# Branch and pull request names: any printable text, no control characters.
	"branch": `^[^\x00-\x1f\x7f]{1,255}$`,
	# Task, analysis and JRE ids.
	"id": `^[A-Za-z0-9_-]{1,64}$`,
	# Plugin keys, such as java or csharp.
	"plugin": `^[A-Za-z0-9]{1,64}$`,
	"number": `^[0-9]{1,9}$`,
	"boolean": `^(true|false|yes|no)$`,
	# Comma-separated keys: metric keys, fields, quality profile keys.
	"keys": `^[A-Za-z0-9_.:,-]{0,1000}$`,
	# Operating system and architecture names.
	"platform": `^[A-Za-z0-9_.-]{1,32}$`,
	# A project name: printable text.
	"text": `^[^\x00-\x1f\x7f]{0,500}$`,
	# ce/submit's characteristic: key=value, such as branch=main or pullRequest=42.
	"characteristic": `^[A-Za-z]{1,32}=[^\x00-\x1f\x7f]{0,255}$`,
	# batch/file's name: judged by batch_file_name_allowed (request.rego).
	"file": `^[^\x00-\x1f\x7f/\\]{1,255}$`,
}

# An unknown kind has no format, so its values never pass.
_parameter_value_valid(kind, value) if regex.match(parameter_formats[kind], value)

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
