# The request as the policy sees it: path relative to the context path, and the route it maps to.
#
# The path string is the source of truth because it is what the proxy forwards; the Java side has
# already rejected encoded separators, dot segments and other encoding games with a 400.
package portcullis.sonarqube

_request := object.get(input, "request", {})

method := object.get(_request, "method", "")

query := q if {
	q := object.get(_request, "query", {})
	is_object(q)
} else := {}

header_names := object.get(_request, "header_names", [])

# Undefined when the request lies outside the context path.
rel_path := _request.path if {
	context_path == ""
} else := trim_prefix(_request.path, context_path) if {
	startswith(_request.path, concat("", [context_path, "/"]))
} else := "/" if {
	_request.path == context_path
}

# ["", "api", "settings", "values.protobuf"]; a trailing "/" gives a final "".
segments := split(rel_path, "/")

# The key of the endpoint in the allow-list (endpoints.rego). Exact paths are looked up
# directly; the few paths with an opaque segment are matched by shape.
route := rel_path if {
	endpoints[rel_path]
} else := "/api/v2/analysis/jres/{id}" if {
	_opaque_id_under("/api/v2/analysis/jres/", 6)
} else := "/api/v2/sca/clis/{id}" if {
	_opaque_id_under("/api/v2/sca/clis/", 6)
} else := "/static/{plugin}/{file}" if {
	static_resource_allowed
}

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

endpoint := endpoints[route]

# The legacy bootstrapper asks only for the scanner engine jar, by the name /batch/index lists.
# "/" is the glob delimiter so that "*" cannot reach into another directory.
batch_file_name_allowed if {
	[name] := object.get(query, "name", [])
	glob.match("sonar-scanner-engine-shaded-*-all.jar", ["/"], name)
	not contains(name, "\\")
}
