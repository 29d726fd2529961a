# What the values of the allow-listed parameters (endpoints.rego) may look like, and what a
# request body may be. A value outside its kind's format is refused (parameter_value_invalid)
# rather than passed on: the server or a plugin may use it in a path, a query or a log line
# (e.g. plugin=java/../../../users/search).
package portcullis.sonarqube

# The formats are the data document tables/data.json (`parameter_formats`), one per kind, each
# with a length limit and one of: `chars`, the characters a value consists of (a string of them,
# at least `min` long, checked with trim: a regular expression is compiled again on every
# evaluation by the compiled policy); `values`, the values it may take; `pattern`, an anchored
# regular expression, for the kinds that only exclude characters. Every format excludes control
# characters. Lengths are checked with count(), not with counted repetition such as {0,1000}: RE2
# expands those into as many states.
#   project: SonarQube project keys: letters, digits, '-', '_', '.', ':' (and '/', which keys
#     created by old servers may still contain).
#   branch: branch and pull request names: any printable text, no control characters.
#   id: task, analysis and JRE ids. plugin: plugin keys, such as java or csharp.
#   number, boolean. keys: comma-separated keys: metric keys, fields, quality profile keys (may be
#     empty). platform: operating system and architecture names. text: a project name
#     (printable, may be empty). characteristic: ce/submit's key=value, such as branch=main or
#     pullRequest=42. file: batch/file's name, judged by batch_file_name_allowed (request.rego).
#
# An unknown kind has no format, so its values never pass.
_parameter_value_valid(kind, value) if {
	format := data.portcullis.sonarqube.tables.parameter_formats[kind]
	count(value) <= format.max
	_parameter_format_matches(format, value)
}

# trim removes every character of the set from both ends, so only a value made of them alone
# trims to "". The compiled policy's trim scans the set from its start for each character of the
# value, so the sets list lower-case letters and digits first, the characters keys mostly consist
# of (measured: 1.6-1.9 us less per allowed scanner request).
_parameter_format_matches(format, value) if {
	trim(value, format.chars) == ""
	count(value) >= format.min
} else if {
	format.values[value]
} else if {
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
# even on GET), so they are refused wherever an endpoint does not declare them
# (tables/data.json: form_media_types).

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
	data.portcullis.sonarqube.tables.form_media_types[body_media_type]
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
