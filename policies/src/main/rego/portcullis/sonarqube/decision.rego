# The decision for one request: {"allow", "status", "reasons", "message"}. Entrypoint
# portcullis/sonarqube/decision. It is always defined; when no rule below applies (which would be
# a bug in this policy) the fallback denies.
package portcullis.sonarqube

default decision := {
	"allow": false,
	"status": 403,
	"reasons": ["policy_fallback"],
	"message": "The gateway policy reached no decision.",
}

# The first failing check (denials.rego) decides; with none, the request is allowed. A reason
# missing from the catalog (tables/data.json: denials) makes the deny branch undefined while
# first_denial is still defined, so neither allow branch applies and the decision falls back to a
# deny.
decision := {
	"allow": false,
	"status": entry.status,
	"reasons": [first_denial],
	"message": entry.message,
} if {
	entry := data.portcullis.sonarqube.tables.denials[first_denial]
} else := _allow("scanner_endpoint") if {
	not first_denial
	credential_present
} else := _allow("anonymous_bootstrap") if {
	not first_denial
}

# The denial catalog is the data document tables/data.json (`denials`): reason -> priority, status
# and message. As data it is loaded once with the policy; a table written as Rego rules would be
# built again on every request by the compiled policy. The priorities order the checks in
# denials.rego.

# An allow; on an endpoint that takes a body, with the most bytes the proxy may stream of it,
# which also caps chunked uploads that declare no length, and the file parts a multipart body may
# carry (body_parts in the endpoint table). The proxy refuses any other part as the body streams:
# the server reads a form field in the body as a parameter, which this policy never sees.
_allow(reason) := {
	"allow": true,
	"status": 200,
	"reasons": [reason],
	"message": "Allowed.",
	"max_body_bytes": max_report_bytes,
	"body_parts": object.get(endpoint, "body_parts", []),
} if {
	object.get(endpoint, "body", []) != []
} else := {
	"allow": true,
	"status": 200,
	"reasons": [reason],
	"message": "Allowed.",
}
