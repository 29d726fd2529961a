# Helpers shared by the test suites: building inputs in the shape of the Java contract
# (core/src/test/resources/dev/portcullis/policy-input-golden.json) and checking decisions.
package portcullis.sonarqube_test

import data.portcullis.sonarqube

# A request with a verified project analysis token sent with Basic, as the scanner engine does.
# path_and_query is what the client sent, e.g. "/api/settings/values.protobuf?component=demo".
scanner(method, path_and_query) := request(method, path_and_query, "basic", "sqp")

# The same, sent with Bearer, as the scanner library does on /api/v2/*.
scanner_bearer(method, path_and_query) := request(method, path_and_query, "bearer", "sqp")

request(method, path_and_query, scheme, kind) := {
	"request": _request(method, path_and_query, ["authorization", "host"]),
	"client": {"ip": "203.0.113.7"},
	"credential": {"present": true, "scheme": scheme, "kind": kind, "valid": "valid", "verifier": "asserted"},
}

anonymous(method, path_and_query) := {
	"request": _request(method, path_and_query, ["host"]),
	"client": {"ip": "203.0.113.7"},
	"credential": {"present": false, "scheme": "none", "kind": "none", "valid": "unknown", "verifier": "none"},
}

_request(method, path_and_query, header_names) := {
	"method": method,
	"path": path,
	"path_segments": array.slice(split(path, "/"), 1, count(split(path, "/"))),
	"query": query,
	"headers": _headers(method),
	"header_names": header_names,
	"body": _body(method),
} if {
	parts := split(path_and_query, "?")
	path := parts[0]
	query := _query(parts)
}

# Scanners POST only reports, as multipart bodies; they send no body with any other method.
_headers("POST") := {"content-type": "multipart/form-data; boundary=0682e227-c"}

_headers(method) := {} if method != "POST"

_body("POST") := {"present": true, "chunked": false, "media_type": "multipart/form-data"}

_body(method) := {"present": false, "chunked": false, "media_type": ""} if method != "POST"

# A request with the given body: present, media type (e.g. "multipart/form-data", "" for none).
with_body(inp, present, media_type) := with_(inp, {"request": {"body": {"present": present, "chunked": false, "media_type": media_type}}})

# No branches here, so that a failing test reports its own assertion, not a helper's.
_query(parts) := urlquery.decode_object(concat("?", array.slice(parts, 1, count(parts))))

# Deep-merges overrides into an input, e.g. with_(inp, {"client": {"ip": "198.51.100.1"}}).
with_(inp, overrides) := object.union(inp, overrides)

with_credential(inp, kind, valid) := with_(inp, {"credential": {"present": true, "scheme": "bearer", "kind": kind, "valid": valid}})

with_headers(inp, names) := with_(inp, {"request": {"header_names": names}})

decide(inp) := d if {
	d := sonarqube.decision with input as inp
}

# The part of a decision that tests compare; the message is checked separately.
outcome(inp) := [d.allow, d.status, d.reasons] if d := decide(inp)

allow := [true, 200, ["scanner_endpoint"]]

allow_anonymous := [true, 200, ["anonymous_bootstrap"]]

deny(status, reason) := [false, status, [reason]]

forbidden(reason) := deny(403, reason)

unauthorized(reason) := deny(401, reason)

# Table-driven checks: cases is {name: [input, expected outcome]}; the result lists the cases
# whose outcome differs, so a failing test (run with --var-values) shows what went wrong.
mismatches(cases) := {name: {"want": c[1], "got": got} |
	some name, c in cases
	got := outcome(c[0])
	got != c[1]
}
