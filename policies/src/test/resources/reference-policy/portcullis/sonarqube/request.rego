# The request as the policy sees it: path relative to the context path, and the endpoint it maps to.
#
# The path string is the source of truth because it is what the proxy forwards; the Java side has
# already rejected encoded separators, dot segments and other encoding games with a 400.
package portcullis.sonarqube

query := q if {
	q := input.request.query
	is_object(q)
} else := {}

# Undefined when the request lies outside the context path. The first branch covers the shipped
# context_path "" with one lookup (context_path itself trims and concatenates).
rel_path := input.request.path if {
	_config.context_path == ""
} else := input.request.path if {
	context_path == ""
} else := trim_prefix(input.request.path, context_path) if {
	startswith(input.request.path, concat("", [context_path, "/"]))
} else := "/" if {
	input.request.path == context_path
}

# ["", "api", "settings", "values.protobuf"]; a trailing "/" gives a final "".
segments := split(rel_path, "/")

# The entry of the allow-list (endpoints.rego) for this path. Exact paths are looked up directly;
# the few paths with an opaque segment are matched by shape. The configuration's extra_endpoints
# come last, so a built-in entry always wins over an extra one for the same path.
endpoint := e if {
	e := endpoints[rel_path]
} else := endpoints["/api/v2/analysis/jres/{id}"] if {
	_opaque_id_under("/api/v2/analysis/jres/", 6)
} else := endpoints["/api/v2/sca/clis/{id}"] if {
	_opaque_id_under("/api/v2/sca/clis/", 6)
} else := endpoints["/static/{plugin}/{file}"] if {
	static_resource_allowed
} else := extra_endpoint(extra_endpoint_entry(rel_path))

_opaque_id_under(prefix, n) if {
	startswith(rel_path, prefix)
	count(segments) == n
	segments[n - 1] != ""
}

# Only the .NET scanner's embedded analyzer archives, e.g. /static/csharp/SonarAnalyzer-x.zip.
static_resource_allowed if {
	count(segments) == 4
	segments[1] == "static"
	segments[2] in static_analyzer_plugins
	endswith(segments[3], ".zip")
	segments[3] != ".zip"
}

# The legacy bootstrapper asks only for the scanner engine jar, by the name /batch/index lists:
# sonar-scanner-engine-shaded-<version>-all.jar up to 10.x, sonar-scanner-engine-<edition>-<version>.jar
# from 2025.x (e.g. sonar-scanner-engine-community-13.7.0.4455.jar on 26.9). The pattern admits
# only those shapes: no separators, no other file.
batch_file_name_allowed if {
	[name] := object.get(query, "name", [])
	regex.match(`^sonar-scanner-engine-(shaded-[0-9]+(\.[0-9]+){1,4}-all|[a-z]{3,16}-[0-9]+(\.[0-9]+){1,4})\.jar$`, name)
}
