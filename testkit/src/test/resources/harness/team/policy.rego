# A small team policy for the testkit's own tests: GET on a few paths, from given networks, with
# a valid credential or none.
package team

decision := _deny(401, "credential_invalid") if {
	input.credential.present
	input.credential.valid == "invalid"
} else := _deny(403, "client_ip_not_allowed") if {
	not _client_allowed
} else := {"allow": true, "status": 200, "reasons": ["allowed"], "message": "Allowed by the team policy."} if {
	input.request.method == "GET"
	input.request.path in data.team.allowed_paths
} else := _deny(403, "endpoint_not_allowed")

_client_allowed if {
	some cidr in data.team.allowed_client_cidrs
	net.cidr_contains(cidr, input.client.ip)
}

_deny(status, reason) := {
	"allow": false,
	"status": status,
	"reasons": [reason],
	"message": "Denied by the team policy.",
}
